// Hirewall's only script, loaded from this server: the Content-Security-Policy allows no inline script.
// A select marked data-submit-on-change submits its form when a pointer picks an option (the language
// switcher). From the keyboard, arrow keys only move through the options: the form's own button (or
// Enter) submits, so that looking at the choices neither reloads the page nor loses a half-filled form.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("select[data-submit-on-change]").forEach(function (select) {
    var byKeyboard = false;
    select.addEventListener("keydown", function () {
      byKeyboard = true;
    });
    select.addEventListener("pointerdown", function () {
      byKeyboard = false;
    });
    select.addEventListener("change", function () {
      if (!byKeyboard) {
        select.form.submit();
      }
    });
  });
});
