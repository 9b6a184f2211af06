// The warehouse console's one script, optional: a keyboard-wedge scanner
// types the GS1 group separator (ASCII 29) as Ctrl+], for which browsers
// insert nothing. In a field marked data-gs1 this puts the separator in, so
// a raw element string reaches the server as the scanner read it. Without
// the script the fields still take the bracketed form and Digital Link URIs.
document.addEventListener('keydown', function (e) {
  var t = e.target;
  if (!t || !t.matches || !t.matches('input[data-gs1]')) return;
  if (!e.ctrlKey || e.altKey || e.metaKey) return;
  if (e.key !== ']' && e.code !== 'BracketRight' && e.key !== '\u001d') return;
  e.preventDefault();
  var start = t.selectionStart, end = t.selectionEnd, v = t.value;
  t.value = v.slice(0, start) + '\u001d' + v.slice(end);
  t.selectionStart = t.selectionEnd = start + 1;
});
