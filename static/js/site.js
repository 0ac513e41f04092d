// Hirewall's only script, loaded from this server: the Content-Security-Policy allows no inline script.
// A select marked data-submit-on-change submits its form when changed (the language switcher);
// without JavaScript the form's own button does the same.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("select[data-submit-on-change]").forEach(function (select) {
    select.addEventListener("change", function () {
      select.form.submit();
    });
  });
});
