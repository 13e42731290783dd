// Copy buttons: the value of the <output data-secret="X"> or <pre data-code="X"> beside the button. The only script.
document.addEventListener('click', async (event) => {
  const button = event.target.closest('button[data-copy]');
  if (!button) return;
  const name = button.dataset.copy;
  const source = document.querySelector(`[data-secret="${name}"], [data-code="${name}"]`);
  if (!source) return;
  try {
    await navigator.clipboard.writeText(source.textContent.trim());
    button.textContent = 'Copied';
  } catch {
    const range = document.createRange();
    range.selectNodeContents(source);
    getSelection().removeAllRanges();
    getSelection().addRange(range);
    button.textContent = 'Selected: press Ctrl+C';
  }
});

// Usage bars: their width from data-width (percent), set here because the Content-Security-Policy allows no inline style.
document.addEventListener('DOMContentLoaded', () => {
  for (const bar of document.querySelectorAll('.bar[data-width]')) bar.style.width = `${Math.max(2, Number(bar.dataset.width)) * 2}px`;
});
