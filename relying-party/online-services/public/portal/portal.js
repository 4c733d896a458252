// Progressive enhancement of "Credentials for ...": Copy and Print buttons, which
// the page hides until this runs (without script: select the text, and the
// browser's own Print command, as the page says).
document.documentElement.classList.add('scripted');
for (const button of document.querySelectorAll('button.copy[data-copy]')) {
  button.hidden = false;
  button.addEventListener('click', async () => {
    const source = document.getElementById(button.dataset.copy);
    if (!source || !navigator.clipboard) return;
    await navigator.clipboard.writeText(source.textContent.trim());
    button.setAttribute('aria-pressed', 'true');
  });
}
for (const button of document.querySelectorAll('button.print')) {
  button.hidden = false;
  button.addEventListener('click', () => window.print());
}
