/* global document, window, fetch, setTimeout, clearTimeout */
// Served as /ui/assets/diagram.js to every page (no build step). Two jobs:
// 1. Zoom: each diagram is drawn at its natural size inside a scrolling frame; the buttons
//    scale it (100% is the natural size, "Fit" the frame's width).
// 2. Live: a page with data-live polls that JSON path (the page's own session) every few
//    seconds while the page is visible, moves the highlighted states and refreshes the facts
//    and the steps table. Values are written as text, never as markup.
// 3. A part of the page drawn at one version of what it shows (data-refresh, data-version: an
//    account's forms, which carry that version) is fetched anew from its data-refresh path, a
//    fragment this server renders with the page's own templates, once the live state has moved
//    to another version. It replaces the part whole; a form sent before keeps the old version.

(function () {
  'use strict';

  function setupZoom(frame) {
    var svg = frame.querySelector('svg');
    if (!svg || !svg.viewBox || !svg.viewBox.baseVal) return;
    var natural = { width: svg.viewBox.baseVal.width, height: svg.viewBox.baseVal.height };
    var zoom = 1;
    var tools = document.createElement('div');
    tools.className = 'diagram-tools';
    var label = document.createElement('span');
    label.className = 'zoom-level';
    function apply() {
      svg.setAttribute('width', String(Math.round(natural.width * zoom)));
      svg.setAttribute('height', String(Math.round(natural.height * zoom)));
      label.textContent = Math.round(zoom * 100) + '%';
      frame.setAttribute('data-zoom', String(zoom));
    }
    function button(text, title, action) {
      var b = document.createElement('button');
      b.type = 'button';
      b.textContent = text;
      b.title = title;
      b.setAttribute('data-zoom-action', title);
      b.addEventListener('click', function () {
        action();
        apply();
      });
      tools.appendChild(b);
    }
    button('−', 'zoom out', function () {
      zoom = Math.max(0.25, zoom / 1.25);
    });
    button('100%', 'natural size', function () {
      zoom = 1;
    });
    button('+', 'zoom in', function () {
      zoom = Math.min(4, zoom * 1.25);
    });
    button('Fit', 'fit to width', function () {
      zoom = Math.min(1, (frame.clientWidth - 2) / natural.width);
    });
    tools.appendChild(label);
    frame.parentNode.insertBefore(tools, frame);
    apply();
  }

  function renderCell(container, cell) {
    container.textContent = '';
    if (typeof cell === 'string') {
      container.textContent = cell;
    } else if (cell && cell.href) {
      var a = document.createElement('a');
      a.href = cell.href;
      a.textContent = cell.text;
      if (cell.testid) a.setAttribute('data-testid', cell.testid);
      container.appendChild(a);
    } else if (cell && cell.datetime) {
      var time = document.createElement('time');
      time.setAttribute('datetime', cell.datetime);
      time.textContent = cell.text;
      container.appendChild(time);
    }
  }

  function highlight(root, current) {
    var states = root.querySelectorAll('svg.machine-diagram g.state');
    for (var i = 0; i < states.length; i++) {
      var on = current.indexOf(states[i].getAttribute('data-state')) !== -1;
      states[i].classList.toggle('current', on);
      if (on) states[i].setAttribute('aria-current', 'true');
      else states[i].removeAttribute('aria-current');
    }
    var compounds = root.querySelectorAll('svg.machine-diagram g.compound');
    for (var j = 0; j < compounds.length; j++) {
      var id = compounds[j].getAttribute('data-compound') + '.';
      compounds[j].classList.toggle(
        'active',
        current.some(function (c) {
          return c.indexOf(id) === 0;
        }),
      );
    }
  }

  function update(root, state) {
    highlight(root, state.current);
    state.facts.forEach(function (fact) {
      var dd = root.querySelector('dd[data-fact="' + window.CSS.escape(fact[0]) + '"]');
      if (dd) renderCell(dd, fact[1]);
    });
    var body = root.querySelector('table.timeline tbody');
    if (body) {
      body.textContent = '';
      state.rows.forEach(function (row) {
        var tr = document.createElement('tr');
        row.forEach(function (cell) {
          var td = document.createElement('td');
          renderCell(td, cell);
          tr.appendChild(td);
        });
        body.appendChild(tr);
      });
      var empty = root.querySelector('p.empty');
      if (empty) empty.hidden = state.rows.length > 0;
    }
    root.setAttribute('data-current', JSON.stringify(state.current));
  }

  function refreshParts(version) {
    if (version === undefined || version === null) return;
    var parts = document.querySelectorAll('[data-refresh]');
    for (var i = 0; i < parts.length; i++) refreshPart(parts[i], String(version));
  }

  function refreshPart(part, version) {
    if (part.getAttribute('data-version') === version || part.hasAttribute('data-refreshing'))
      return;
    part.setAttribute('data-refreshing', '');
    fetch(part.getAttribute('data-refresh'), { cache: 'no-store', credentials: 'same-origin' })
      .then(function (response) {
        if (!response.ok) throw new Error('HTTP ' + response.status);
        return response.text();
      })
      .then(function (markup) {
        var fresh = document.createElement('template');
        fresh.innerHTML = markup;
        part.replaceWith(fresh.content);
      })
      .catch(function () {
        part.removeAttribute('data-refreshing'); // the next poll tries again
      });
  }

  function setupLive(root) {
    var path = root.getAttribute('data-live');
    var every = Number(root.getAttribute('data-poll-ms')) || 2000;
    var status = root.querySelector('.live-status');
    var timer = null;
    var last = null;
    var stopped = false;
    function say(text) {
      if (status) status.textContent = text;
    }
    function schedule(ms) {
      clearTimeout(timer);
      timer = null;
      if (!stopped && document.visibilityState === 'visible') timer = setTimeout(poll, ms);
    }
    function poll() {
      // no-cache: revalidate with the ETag, so an unchanged state costs a 304
      fetch(path, { cache: 'no-cache', credentials: 'same-origin' })
        .then(function (response) {
          if (response.status === 401 || response.status === 403 || response.status === 404) {
            stopped = true;
            say('Live updates stopped: sign in again and reload the page.');
            return null;
          }
          if (!response.ok) throw new Error('HTTP ' + response.status);
          return response.text();
        })
        .then(function (text) {
          if (text === null) return;
          if (text !== last) {
            last = text;
            update(root, JSON.parse(text));
          }
          refreshParts(JSON.parse(last).version);
          root.setAttribute('data-polled', String(Date.now()));
          say('Live: this page follows changes while it is visible.');
          schedule(every);
        })
        .catch(function () {
          say('Live updates interrupted; retrying.');
          schedule(every * 5);
        });
    }
    // Shown: poll at once. Hidden: schedule() only clears the timer, so nothing is polled.
    document.addEventListener('visibilitychange', function () {
      schedule(0);
    });
    schedule(every);
  }

  function start() {
    var frames = document.querySelectorAll('.diagram');
    for (var i = 0; i < frames.length; i++) setupZoom(frames[i]);
    var live = document.querySelectorAll('[data-live]');
    for (var j = 0; j < live.length; j++) setupLive(live[j]);
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
