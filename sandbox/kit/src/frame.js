// A hosted form's side of the conversation with the page that frames it (see
// `FrameProtocol` in pages.rs, which calls this function with its settings). It posts
// only to `config.origin` and reads only messages from the parent window at that origin.
// It never posts what was typed: errors name a field and a code.
(function (config) {
  if (window.parent === window) {
    return;
  }
  var names = config.names;
  var form = document.querySelector('form');
  var button = form ? form.querySelector('button[type="submit"]') : null;
  var external = false;
  var valid = null;
  var post = function (message) {
    window.parent.postMessage(message, config.origin);
  };
  // The fields that fail, as {field, code}: one entry per field.
  var failing = function () {
    var errors = [];
    var seen = {};
    form.querySelectorAll('input[data-report]').forEach(function (input) {
      var field = input.getAttribute('data-report');
      var code = input.validity.valueMissing
        ? 'required'
        : input.validity.patternMismatch
          ? 'pattern'
          : null;
      if (code && !seen[field]) {
        seen[field] = true;
        errors.push({ field: field, code: code });
      }
    });
    return errors;
  };
  // Tells the parent whether the form is valid, when that changed (external mode).
  var tellValidity = function (errors) {
    if (external && valid !== (errors.length === 0)) {
      valid = errors.length === 0;
      post({ type: names.validity, isValid: valid });
    }
    return errors.length === 0;
  };
  // A validation run: the errors, then the validity.
  var validate = function () {
    var errors = failing();
    post({ type: names.errors, errors: errors });
    return tellValidity(errors);
  };
  var height = function () {
    post({ type: names.height, height: document.documentElement.scrollHeight });
  };
  window.addEventListener('message', function (event) {
    if (event.source !== window.parent || event.origin !== config.origin) {
      return;
    }
    var data = event.data;
    if (!form || !data || typeof data !== 'object') {
      return;
    }
    if (data.type === names.init) {
      external = data.submitMode === 'external';
      if (button) {
        button.hidden = external;
      }
      valid = null;
      // Nothing typed is not yet an error to show, but the parent needs the validity.
      tellValidity(failing());
      height();
    } else if (data.type === names.submit && external) {
      if (validate()) {
        form.requestSubmit();
      }
    }
  });
  if (form) {
    form.addEventListener('input', validate);
  }
  config.onLoad.forEach(post);
  height();
})
