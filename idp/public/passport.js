// Small helps on top of pages that work without them: a "Show" toggle beside
// each password-like field, and activity times in the reader's own time zone.
(() => {
  const words = document.currentScript?.dataset ?? {};

  for (const input of document.querySelectorAll('input[type="password"][id]')) {
    const label = document.querySelector(`label[for="${input.id}"]`);
    const toggle = document.createElement('button');
    toggle.type = 'button';
    toggle.className = 'show-secret';
    // Named by its content, not aria-label, so "Show" stays what is seen and said, and
    // the field's label (hidden here) tells the toggles apart without being a second label of the field.
    const fieldName = document.createElement('span');
    fieldName.className = 'visually-hidden';
    fieldName.textContent = ` ${label?.textContent?.trim() ?? ''}`;
    toggle.append(words.show ?? 'Show', fieldName);
    toggle.setAttribute('aria-controls', input.id);
    toggle.setAttribute('aria-pressed', 'false');
    toggle.addEventListener('click', () => {
      const shown = input.type === 'password';
      input.type = shown ? 'text' : 'password';
      toggle.setAttribute('aria-pressed', String(shown));
    });
    // Sent as a password again, so the browser never keeps it in its history of typed text.
    input.form?.addEventListener('submit', () => {
      input.type = 'password';
      toggle.setAttribute('aria-pressed', 'false');
    });
    input.insertAdjacentElement('afterend', toggle);
  }

  // The server writes UTC; the reader's browser knows their zone.
  const local = new Intl.DateTimeFormat(document.documentElement.lang || undefined, {
    dateStyle: 'long',
    timeStyle: 'short',
  });
  for (const time of document.querySelectorAll('time[data-local-time][datetime]')) {
    const moment = new Date(time.getAttribute('datetime'));
    if (Number.isNaN(moment.getTime())) continue;
    time.title = time.textContent;
    time.textContent = local.format(moment);
  }
})();
