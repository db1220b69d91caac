// Groundswell's only script: progressive enhancement, never required.
// Forms marked data-confirm ask before they submit (e.g. deactivating a user).
document.addEventListener("submit", function (event) {
  var form = event.target;
  var question = form && form.getAttribute && form.getAttribute("data-confirm");
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});

// The pipeline board: a card dragged onto another column submits the card's own move
// form with the move that leads there. Without script the form's button does the same.
(function () {
  var board = document.getElementById("pipeline");
  if (!board) return;
  var dragged = null;
  board.addEventListener("dragstart", function (e) {
    var card = e.target.closest && e.target.closest(".pipeline-card");
    if (!card) return;
    dragged = card;
    e.dataTransfer.effectAllowed = "move";
    e.dataTransfer.setData("text/plain", card.getAttribute("data-issue"));
  });
  function column(e) { return e.target.closest && e.target.closest(".column"); }
  function optionFor(card, stage) {
    var select = card.querySelector("form.card-move select");
    if (!select) return null;
    for (var i = 0; i < select.options.length; i++) {
      if (select.options[i].getAttribute("data-to") === stage) return select.options[i];
    }
    return null;
  }
  board.addEventListener("dragover", function (e) {
    var col = column(e);
    if (dragged && col && optionFor(dragged, col.getAttribute("data-stage"))) {
      e.preventDefault();
      col.classList.add("drop-target");
    }
  });
  board.addEventListener("dragleave", function (e) {
    var col = column(e);
    if (col) col.classList.remove("drop-target");
  });
  board.addEventListener("drop", function (e) {
    var col = column(e);
    if (!dragged || !col) return;
    col.classList.remove("drop-target");
    var option = optionFor(dragged, col.getAttribute("data-stage"));
    if (option) {
      e.preventDefault();
      option.selected = true;
      option.parentNode.form.submit();
    }
    dragged = null;
  });
})();
