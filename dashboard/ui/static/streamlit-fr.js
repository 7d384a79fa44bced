// Streamlit's own interface words in French. Streamlit has no option for the language of its
// widgets (placeholders, tooltips, toolbar buttons, dialogs), so this script, loaded by the
// page (dashboard/ui/index_page.py), rewrites its known English texts and labels as they
// appear. Only Streamlit's fixed words are listed: nothing a person typed is ever touched.
(function () {
  "use strict";
  var EXACT = {
    "Page not found": "Page introuvable",
    "The page that you have requested does not seem to exist. Running the app's main page.":
      "La page demandée n'existe pas. Retour à l'accueil.",
    "Choose an option": "Choisir une option",
    "Choose options": "Choisir une ou plusieurs options",
    "No results": "Aucun résultat",
    "No options to select": "Aucune option",
    "Clear all": "Tout effacer",
    "Clear value": "Effacer la valeur",
    "Open": "Ouvrir",
    "Close": "Fermer",
    "Dismiss": "Fermer",
    "Selected values": "Valeurs choisies",
    "Choose date": "Choisir une date",
    "Choose date range": "Choisir une période",
    "Clear date": "Effacer la date",
    "Clear dates": "Effacer les dates",
    "Quick select a date range": "Choisir rapidement une période",
    "dd/mm/yyyy": "jj/mm/aaaa",
    "DD/MM/YYYY": "JJ/MM/AAAA",
    "dd/mm/yyyy – dd/mm/yyyy": "jj/mm/aaaa – jj/mm/aaaa",
    "Download as CSV": "Télécharger en CSV",
    "Search": "Rechercher",
    "Close Search": "Fermer la recherche",
    "Next Result": "Résultat suivant",
    "Previous Result": "Résultat précédent",
    "Fullscreen": "Plein écran",
    "Close fullscreen": "Quitter le plein écran",
    "Show/hide columns": "Afficher ou masquer des colonnes",
    "Select all": "Tout sélectionner",
    "Add row": "Ajouter une ligne",
    "Delete row(s)": "Supprimer la ou les lignes",
    "Clear selection": "Effacer la sélection",
    "Dataframe column menu": "Menu de la colonne",
    "Copy column name": "Copier le nom de la colonne",
    "Collapse sidebar": "Replier le menu",
    "Expand sidebar": "Déplier le menu",
    "Sidebar": "Menu latéral",
    "App pages": "Pages de l'application",
    "Link to heading": "Lien vers ce titre",
    "Help": "Aide",
    "Running...": "En cours…",
    "Stop": "Arrêter",
    "Increment": "Augmenter",
    "Decrement": "Diminuer",
    "Show password": "Afficher le mot de passe",
    "Hide password": "Masquer le mot de passe",
    "Copy to clipboard": "Copier",
    "Main menu": "Menu principal",
    "Drag and drop a file here": "Glissez-déposez un fichier ici",
    "Drag and drop files here": "Glissez-déposez des fichiers ici",
    "Add files": "Ajouter des fichiers",
    "file upload": "Déposer un fichier",
    "Upload": "Choisir un fichier",
    "Delete": "Retirer"
  };
  var PATTERNS = [
    [/^Help for (.+)$/, "Aide : $1"],
    [/^Press (Ctrl|⌘)\+Enter to submit form$/, "$1+Entrée pour envoyer le formulaire"],
    [/^Press (Ctrl|⌘)\+Enter to apply$/, "$1+Entrée pour valider"],
    [/^Press Enter to submit form$/, "Entrée pour envoyer le formulaire"],
    [/^Press Enter to apply$/, "Entrée pour valider"],
    [/^Remove (.+)$/, "Retirer $1"],
    [/^(.+) — start$/, "$1 — début"],
    [/^(.+) — end$/, "$1 — fin"],
    [/^Save \((.+)\+Enter\)$/, "Enregistrer ($1+Entrée)"],
    [/^Cancel \(Escape\)$/, "Annuler (Échap)"],
    [/^day, (.+)$/, "jour, $1"],
    [/^month, (.+)$/, "mois, $1"],
    [/^year, (.+)$/, "année, $1"],
    [/^(\d+(?:[.,]\d+)?)MB per file$/, "$1 Mo par fichier"]
  ];
  var ATTRIBUTES = ["placeholder", "aria-label", "title"];

  function translate(text) {
    if (!text) return null;
    var key = text.trim();
    if (Object.prototype.hasOwnProperty.call(EXACT, key)) return text.replace(key, EXACT[key]);
    for (var i = 0; i < PATTERNS.length; i++) {
      if (PATTERNS[i][0].test(key)) return text.replace(key, key.replace(PATTERNS[i][0], PATTERNS[i][1]));
    }
    return null;
  }

  // Texts written by people (markdown, tables, inputs) are never rewritten: only Streamlit's
  // chrome, recognised by its test ids, and short text nodes with a known English phrase.
  var USER_TEXT = "[data-testid=stMarkdownContainer], [data-testid=stText], textarea, input";

  function fixElement(el) {
    for (var i = 0; i < ATTRIBUTES.length; i++) {
      var value = el.getAttribute && el.getAttribute(ATTRIBUTES[i]);
      var french = translate(value);
      if (french !== null && french !== value) el.setAttribute(ATTRIBUTES[i], french);
    }
  }

  function fixText(node) {
    var parent = node.parentElement;
    // The file uploader's drop zone holds Streamlit's words only, never a typed text.
    var uploader = parent && parent.closest("[data-testid=stFileUploaderDropzone]");
    if (!parent || !uploader && parent.closest(USER_TEXT) && !parent.closest("[data-testid=InputInstructions]")) return;
    // A single word shown as text may be a name someone typed (an option « Open »): only
    // phrases are rewritten in text; single words only in Streamlit's labels (attributes).
    if (!uploader && !/\s|\.\.\.$/.test((node.nodeValue || "").trim())) return;
    var french = translate(node.nodeValue);
    if (french !== null && french !== node.nodeValue) node.nodeValue = french;
  }

  function fixTree(root) {
    if (root.nodeType === 3) { fixText(root); return; }
    if (root.nodeType !== 1) return;
    fixElement(root);
    var all = root.querySelectorAll("[placeholder],[aria-label],[title]");
    for (var i = 0; i < all.length; i++) fixElement(all[i]);
    var walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (var n = walker.nextNode(); n; n = walker.nextNode()) fixText(n);
  }

  function start() {
    document.documentElement.lang = "fr";
    fixTree(document.body);
    new MutationObserver(function (records) {
      for (var i = 0; i < records.length; i++) {
        var r = records[i];
        if (r.type === "attributes") fixElement(r.target);
        else if (r.type === "characterData") fixText(r.target);
        else for (var j = 0; j < r.addedNodes.length; j++) fixTree(r.addedNodes[j]);
      }
    }).observe(document.body, {
      subtree: true, childList: true, characterData: true,
      attributes: true, attributeFilter: ATTRIBUTES
    });
  }

  if (document.body) start();
  else document.addEventListener("DOMContentLoaded", start);
})();
