// Groundswell's only script: progressive enhancement, never required.
// Forms marked data-confirm ask before they submit (e.g. deactivating a user).
document.addEventListener("submit", function (event) {
  var form = event.target;
  var question = form && form.getAttribute && form.getAttribute("data-confirm");
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});
