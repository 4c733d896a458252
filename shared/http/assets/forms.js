// A form is sent once: a double click, or a second click while the bot check
// is still working, must not post it again (the second post would carry a
// spent or empty proof and come back refused). Pages work without this script.
// Runs in the capture phase, before the bot check widget's own listener.
document.addEventListener(
  'submit',
  (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement)) return;
    // The widget sends the form again itself once solved: that one carries a new proof.
    const proof = form.querySelector('altcha-widget') ? String(new FormData(form).get('altcha') ?? '') : '';
    if (form.dataset.sentWith === proof) {
      event.preventDefault();
      event.stopImmediatePropagation();
      return;
    }
    form.dataset.sentWith = proof;
  },
  true,
);

// A page brought back with the Back button may be sent again.
window.addEventListener('pageshow', (event) => {
  if (!event.persisted) return;
  for (const form of document.forms) delete form.dataset.sentWith;
});
