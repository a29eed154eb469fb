/**
 * The script website owners embed to turn any `<form data-lead-form>` into a lead form:
 *
 *   <script src="https://<api>/lead-form.js" defer></script>
 *   <form data-lead-form data-form-id="demo-request"> ...inputs named as the lead fields... </form>
 *
 * It is browser JavaScript kept as text in one place: the lead-form function serves it, the
 * tests load it, and esbuild bundles it as a plain string (no loader, no build step for the
 * people who embed it). It has no dependencies, runs in any evergreen browser, and avoids
 * backticks and dollar-brace in its source so this template literal stays verbatim.
 *
 * Options, as attributes:
 * - `data-api` (on the form or the script tag): the API's base URL, for a script served from a
 *   CDN; by default the API is where the script itself came from.
 * - `data-form-id` (form): the `formId` sent with the lead (which form, which content).
 * - `data-success` (form): the id of an element to show instead of the form after success
 *   (else a short thank-you replaces it); `data-success-message` changes that text.
 * - `data-sending-label` (submit button): its text while the lead is being sent.
 * - `data-booking="off"` (form): no "Book a time with <rep> now" offer on the thank-you (docs/booking.md).
 * Events on the form: `lead-form:submitted` (detail `{leadId, duplicate}`),
 * `lead-form:booking-offered` (detail `{leadId}`) and `lead-form:failed` (detail `{status}`), for analytics tags.
 */
export const leadFormScript = String.raw`/*! speed-to-lead lead form | no dependencies | turns <form data-lead-form> into a lead form */
(function () {
  'use strict';
  if (window.SpeedToLeadForm) return;

  var script = document.currentScript;
  var UTM = ['utm_source', 'utm_medium', 'utm_campaign', 'utm_term', 'utm_content'];
  var UTM_KEY = 'speed-to-lead:utm';
  var formCount = 0;

  function readUtm(search) {
    var params = new URLSearchParams(search);
    var found = {};
    UTM.forEach(function (name) {
      var value = params.get(name);
      if (value) found[name] = value.slice(0, 200);
    });
    return found;
  }

  // Visitors land on a campaign URL and fill the form a page or two later: remember the
  // campaign for the visit.
  var campaign = readUtm(location.search);
  try {
    if (Object.keys(campaign).length) sessionStorage.setItem(UTM_KEY, JSON.stringify(campaign));
    else campaign = JSON.parse(sessionStorage.getItem(UTM_KEY) || '{}') || {};
  } catch (e) {
    // Storage blocked (privacy settings): the current URL's parameters still count.
  }

  function leadsUrl(form) {
    var base = form.getAttribute('data-api') || (script && script.getAttribute('data-api'));
    if (!base && script && script.src) base = new URL('.', script.src).href;
    if (!base) base = '/';
    if (base.charAt(base.length - 1) !== '/') base += '/';
    return new URL('leads', new URL(base, location.href)).href;
  }

  // Page facts the visitor cannot fix must never block the form: keep only http(s) URLs, and
  // drop a query string that would make one too long.
  function pageFact(url) {
    try {
      var parsed = new URL(url);
      if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return undefined;
      parsed.hash = '';
      return parsed.href.length <= 2048 ? parsed.href : (parsed.origin + parsed.pathname).slice(0, 2048);
    } catch (e) {
      return undefined;
    }
  }

  function timeZone() {
    try {
      return Intl.DateTimeFormat().resolvedOptions().timeZone || undefined;
    } catch (e) {
      return undefined;
    }
  }

  function payload(form) {
    var data = {};
    new FormData(form).forEach(function (value, name) {
      if (typeof value !== 'string') return;
      data[name] = Object.prototype.hasOwnProperty.call(data, name) ? data[name] + ', ' + value : value;
    });
    var facts = {
      formId: form.getAttribute('data-form-id') || undefined,
      pageUrl: pageFact(location.href),
      referrer: document.referrer ? pageFact(document.referrer) : undefined,
      timezone: timeZone()
    };
    var utm = readUtm(location.search);
    UTM.forEach(function (name) {
      facts[name] = utm[name] || campaign[name];
    });
    // What the form itself says wins over what the script works out.
    Object.keys(facts).forEach(function (name) {
      if (facts[name] !== undefined && !data[name]) data[name] = facts[name];
    });
    return data;
  }

  function addHoneypot(form) {
    if (form.elements.namedItem('website')) return;
    var wrap = document.createElement('div');
    wrap.setAttribute('aria-hidden', 'true');
    // Off-screen rather than display:none, which some bots skip; styled through the style
    // object, which a strict Content-Security-Policy allows.
    wrap.style.position = 'absolute';
    wrap.style.left = '-10000px';
    wrap.style.width = '1px';
    wrap.style.height = '1px';
    wrap.style.overflow = 'hidden';
    var label = document.createElement('label');
    label.textContent = 'Leave this field empty ';
    var input = document.createElement('input');
    input.type = 'text';
    input.name = 'website';
    input.tabIndex = -1;
    input.autocomplete = 'off';
    label.appendChild(input);
    wrap.appendChild(label);
    form.appendChild(wrap);
  }

  function addStyles() {
    if (document.getElementById('lead-form-styles')) return;
    var style = document.createElement('style');
    style.id = 'lead-form-styles';
    // :where() has no specificity, so the site's own CSS always wins.
    style.textContent =
      ':where(.lead-form-error){color:#b42318;font-size:.875em;margin:.35em 0 0}' +
      ':where([data-lead-form] [aria-invalid="true"]){border-color:#b42318}' +
      ':where(.lead-form-status:empty){display:none}';
    (document.head || document.documentElement).appendChild(style);
  }

  function fieldFor(form, name) {
    var field = form.elements.namedItem(name);
    if (field && !field.nodeType && field.length) field = field[0];
    return field && field.nodeType === 1 && field.type !== 'hidden' ? field : null;
  }

  function labelText(field) {
    if (field.getAttribute('data-label')) return field.getAttribute('data-label');
    var label = field.labels && field.labels[0];
    if (!label) return field.getAttribute('aria-label') || field.name;
    var copy = label.cloneNode(true);
    Array.prototype.forEach.call(copy.querySelectorAll('input,select,textarea,[aria-hidden="true"]'), function (el) {
      el.remove();
    });
    return copy.textContent.replace(/\s+/g, ' ').replace(/\(optional\)|\*|:/gi, '').trim();
  }

  // The API says "is required"; the person reads "Work email is required".
  function sentence(field, message) {
    return /^[A-Z]/.test(message) ? message : labelText(field) + ' ' + message;
  }

  function errorId(form, field) {
    return (field.id || form.getAttribute('data-lead-form-id') + '-' + field.name) + '-error';
  }

  function describedBy(field, id, add) {
    var ids = (field.getAttribute('aria-describedby') || '').split(/\s+/).filter(function (token) {
      return token && token !== id;
    });
    if (add) ids.push(id);
    if (ids.length) field.setAttribute('aria-describedby', ids.join(' '));
    else field.removeAttribute('aria-describedby');
  }

  function showError(form, field, message) {
    var id = errorId(form, field);
    var error = document.getElementById(id);
    if (!error) {
      error = form.querySelector('[data-error-for="' + field.name + '"]');
      if (!error) {
        error = document.createElement('p');
        var label = field.closest('label');
        var after = label && form.contains(label) ? label : field;
        after.insertAdjacentElement('afterend', error);
      }
      error.id = id;
      error.classList.add('lead-form-error');
    }
    error.textContent = message;
    error.hidden = false;
    field.setAttribute('aria-invalid', 'true');
    describedBy(field, id, true);
  }

  function clearError(form, field) {
    if (!field || !field.name || field.getAttribute('aria-invalid') !== 'true') return;
    var id = errorId(form, field);
    var error = document.getElementById(id);
    if (error) {
      error.textContent = '';
      error.hidden = true;
    }
    field.removeAttribute('aria-invalid');
    describedBy(field, id, false);
  }

  function statusOf(form) {
    var status = form.querySelector('[data-lead-form-status]');
    if (!status) {
      status = document.createElement('p');
      status.setAttribute('data-lead-form-status', '');
      var button = submitButtons(form)[0];
      if (button) button.insertAdjacentElement('beforebegin', status);
      else form.appendChild(status);
    }
    status.classList.add('lead-form-status');
    status.setAttribute('role', 'status');
    status.setAttribute('aria-live', 'polite');
    return status;
  }

  function announce(form, message) {
    statusOf(form).textContent = message;
  }

  function submitButtons(form) {
    return Array.prototype.filter.call(form.querySelectorAll('button,input[type="submit"]'), function (el) {
      return el.type === 'submit';
    });
  }

  function setBusy(form, busy) {
    form.setAttribute('aria-busy', busy ? 'true' : 'false');
    submitButtons(form).forEach(function (button) {
      button.disabled = busy;
      var sending = button.getAttribute('data-sending-label');
      if (!sending || button.tagName !== 'BUTTON') return;
      if (busy) {
        button.setAttribute('data-idle-label', button.textContent);
        button.textContent = sending;
      } else if (button.hasAttribute('data-idle-label')) {
        button.textContent = button.getAttribute('data-idle-label');
      }
    });
  }

  function emit(form, name, detail) {
    form.dispatchEvent(new CustomEvent(name, { bubbles: true, detail: detail }));
  }

  function invalidFields(form) {
    return Array.prototype.filter.call(form.elements, function (el) {
      return el.willValidate && !el.checkValidity();
    });
  }

  function showIssues(form, issues) {
    var first = null;
    var shown = {};
    var unmatched = [];
    issues.forEach(function (issue) {
      var path = String(issue && issue.path);
      var message = String(issue && issue.message);
      var field = fieldFor(form, path);
      if (!field) {
        unmatched.push(path + ' ' + message);
      } else if (!shown[path]) {
        shown[path] = true;
        showError(form, field, sentence(field, message));
        first = first || field;
      }
    });
    var count = Object.keys(shown).length;
    var text = count ? 'Please correct the ' + (count === 1 ? 'highlighted field.' : count + ' highlighted fields.') : '';
    if (unmatched.length) text += (text ? ' ' : '') + 'We could not send the form: ' + unmatched.join('; ') + '.';
    announce(form, text);
    if (first) first.focus();
  }

  function succeed(form, body) {
    var target = form.getAttribute('data-success') && document.getElementById(form.getAttribute('data-success'));
    if (!target) {
      target = document.createElement('div');
      target.className = 'lead-form-thanks';
      target.textContent = form.getAttribute('data-success-message') || 'Thank you! We have your request and will be in touch shortly.';
      form.insertAdjacentElement('beforebegin', target);
    }
    target.setAttribute('tabindex', '-1');
    target.hidden = false;
    // The attribute alone loses to a site's display rule on forms; the inline style does not.
    form.hidden = true;
    form.style.display = 'none';
    form.reset();
    announce(form, '');
    target.focus();
    emit(form, 'lead-form:submitted', { leadId: body.leadId, duplicate: body.duplicate === true });
    offerMeeting(form, target, body.leadId);
  }

  // A lead the routing would have a rep call is offered that rep's calendar instead, while
  // still on the page: the API says whether, and with whom, once the lead is routed (a second
  // or two). The offer is a link in a live region, so it is read out and reached by Tab.
  function offerMeeting(form, target, leadId) {
    if (typeof leadId !== 'string' || form.getAttribute('data-booking') === 'off' || !window.fetch) return;
    var url = new URL('leads/' + encodeURIComponent(leadId) + '/booking', leadsUrl(form)).href;
    var tries = 0;
    function ask() {
      tries += 1;
      fetch(url, { headers: { accept: 'application/json' }, credentials: 'omit' })
        .then(function (response) {
          return response.ok ? response.json() : null;
        })
        .then(function (answer) {
          if (answer && answer.status === 'pending' && tries < 12) return void setTimeout(ask, 300);
          if (!answer || answer.status !== 'offer' || typeof answer.url !== 'string' || !/^https?:[/][/]/i.test(answer.url)) return;
          var offer = document.createElement('p');
          offer.className = 'lead-form-booking';
          offer.setAttribute('role', 'status');
          target.appendChild(offer);
          var link = document.createElement('a');
          link.href = answer.url;
          link.target = '_blank';
          link.rel = 'noopener';
          link.className = 'lead-form-booking-link';
          link.textContent = 'Book a time with ' + String(answer.ownerName || 'us').slice(0, 60) + ' now';
          offer.appendChild(link);
          emit(form, 'lead-form:booking-offered', { leadId: leadId });
        })
        .catch(function () {});
    }
    ask();
  }

  function fail(form, status, message) {
    announce(form, message);
    emit(form, 'lead-form:failed', { status: status });
  }

  function enhance(form) {
    if (!form || form.hasAttribute('data-lead-form-id')) return;
    form.setAttribute('data-lead-form-id', 'lead-form-' + ++formCount);
    // The browser's own checks still run (below), but their messages are shown inline like
    // the API's, in one style, instead of in tooltips.
    form.noValidate = true;
    addStyles();
    addHoneypot(form);

    function onEdit(event) {
      clearError(form, event.target);
    }
    form.addEventListener('input', onEdit);
    form.addEventListener('change', onEdit);

    form.addEventListener('submit', function (event) {
      event.preventDefault();
      if (form.getAttribute('aria-busy') === 'true') return;
      Array.prototype.forEach.call(form.elements, function (field) {
        clearError(form, field);
      });
      var invalid = invalidFields(form);
      if (invalid.length) {
        invalid.forEach(function (field) {
          showError(form, field, field.validationMessage);
        });
        announce(form, 'Please correct the ' + (invalid.length === 1 ? 'highlighted field.' : invalid.length + ' highlighted fields.'));
        invalid[0].focus();
        return;
      }
      announce(form, '');
      setBusy(form, true);
      fetch(leadsUrl(form), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(payload(form)),
        credentials: 'omit'
      })
        .then(function (response) {
          return response.json().then(
            function (body) { return { status: response.status, body: body || {} }; },
            function () { return { status: response.status, body: {} }; }
          );
        })
        .then(
          function (result) {
            setBusy(form, false);
            if (result.status === 200 || result.status === 202) return succeed(form, result.body);
            if (result.status === 400 && Array.isArray(result.body.issues)) {
              showIssues(form, result.body.issues);
              return emit(form, 'lead-form:failed', { status: 400 });
            }
            if (result.status === 429 || result.status === 503) return fail(form, result.status, 'We are receiving a lot of requests. Please try again in a moment.');
            fail(form, result.status, 'Sorry, something went wrong on our side. Please try again in a moment.');
          },
          function () {
            setBusy(form, false);
            fail(form, 0, 'We could not reach our server. Check your connection and try again.');
          }
        );
    });
  }

  function init() {
    Array.prototype.forEach.call(document.querySelectorAll('form[data-lead-form]'), enhance);
  }

  // For forms a page renders later (single-page apps): SpeedToLeadForm.attach(form).
  window.SpeedToLeadForm = { attach: enhance };
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init);
  else init();
})();
`;
