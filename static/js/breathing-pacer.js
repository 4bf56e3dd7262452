/*
 * The 4-7-8 breathing pacer: enhances the server-rendered .breathing-pacer sections.
 *
 * Without this file the section is a counting guide. With it, a circle grows while
 * breathing in, rests while holding and shrinks while breathing out; a count and the
 * phase are shown as text, and each phase is announced through an aria-live region.
 * With prefers-reduced-motion the circle does not scale: only the count and text change.
 * Every word comes from data- attributes rendered (and translated) by the server.
 * No sound, no inline script: it runs under a Content Security Policy of script-src 'self'.
 */
(function () {
  "use strict";

  var PHASES = ["inhale", "hold", "exhale"];
  var SMALL = 0.55;
  var TICK_MS = 100;

  function number(value, fallback) {
    var parsed = parseInt(value, 10);
    return parsed > 0 ? parsed : fallback;
  }

  function format(template, values) {
    return String(template || "").replace(/\{(\w+)\}/g, function (match, key) {
      return Object.prototype.hasOwnProperty.call(values, key) ? String(values[key]) : match;
    });
  }

  function prefersReducedMotion() {
    return Boolean(
      window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches
    );
  }

  function Pacer(root) {
    var data = root.dataset;
    this.root = root;
    this.seconds = {
      inhale: number(data.inhale, 4),
      hold: number(data.hold, 7),
      exhale: number(data.exhale, 8)
    };
    this.cycles = number(data.cycles, 4);
    this.text = data;
    this.live = root.querySelector(".pacer-live");
    this.circle = root.querySelector(".pacer-circle");
    this.count = root.querySelector(".pacer-count");
    this.phaseText = root.querySelector(".pacer-phase");
    this.roundText = root.querySelector(".pacer-round");
    this.button = root.querySelector(".pacer-toggle");
    this.animation = null;
    this.timer = null;
    this.reset();

    var noScript = root.querySelector(".pacer-nojs");
    if (noScript) {
      noScript.hidden = true;
    }
    this.live.hidden = false;
    this.button.addEventListener("click", this.toggle.bind(this));
  }

  Pacer.prototype.reset = function () {
    this.state = "ready";
    this.cycle = 1;
    this.phaseIndex = 0;
    this.elapsed = 0;
    this.shownCount = 0;
    this.root.removeAttribute("data-phase");
    this.count.textContent = "";
    this.roundText.textContent = format(this.text.textRound, { current: 1, total: this.cycles });
    this.scaleTo(SMALL, SMALL, 0);
  };

  Pacer.prototype.phase = function () {
    return PHASES[this.phaseIndex];
  };

  Pacer.prototype.toggle = function () {
    if (this.state === "running") {
      this.pause();
    } else if (this.state === "paused") {
      this.resume();
    } else {
      this.start();
    }
  };

  Pacer.prototype.start = function () {
    this.reset();
    this.state = "running";
    this.button.textContent = this.text.textPause;
    this.enterPhase();
    this.run();
  };

  Pacer.prototype.run = function () {
    this.last = performance.now();
    this.timer = window.setInterval(this.tick.bind(this), TICK_MS);
  };

  Pacer.prototype.stopTimer = function () {
    if (this.timer !== null) {
      window.clearInterval(this.timer);
      this.timer = null;
    }
  };

  Pacer.prototype.pause = function () {
    this.stopTimer();
    this.state = "paused";
    if (this.animation) {
      this.animation.pause();
    }
    this.button.textContent = this.text.textResume;
    this.announce(this.text.textPaused);
  };

  Pacer.prototype.resume = function () {
    this.state = "running";
    if (this.animation) {
      this.animation.play();
    }
    this.button.textContent = this.text.textPause;
    this.announce(this.text["text" + this.capitalised(this.phase())]);
    this.run();
  };

  Pacer.prototype.finish = function () {
    this.stopTimer();
    this.state = "done";
    this.root.setAttribute("data-phase", "done");
    this.count.textContent = "";
    this.scaleTo(SMALL, SMALL, 0);
    this.button.textContent = this.text.textAgain;
    this.announce(this.text.textDone);
  };

  Pacer.prototype.capitalised = function (word) {
    return word.charAt(0).toUpperCase() + word.slice(1);
  };

  Pacer.prototype.announce = function (message) {
    // The aria-live region reads out each change; the count stays out of it to keep it calm.
    this.phaseText.textContent = message;
  };

  Pacer.prototype.enterPhase = function () {
    var phase = this.phase();
    var duration = this.seconds[phase] * 1000;
    this.root.setAttribute("data-phase", phase);
    this.roundText.textContent = format(this.text.textRound, {
      current: this.cycle,
      total: this.cycles
    });
    this.announce(this.text["text" + this.capitalised(phase)]);
    this.shownCount = 0;
    this.showCount();
    if (phase === "inhale") {
      this.scaleTo(SMALL, 1, duration);
    } else if (phase === "hold") {
      this.scaleTo(1, 1, 0);
    } else {
      this.scaleTo(1, SMALL, duration);
    }
  };

  Pacer.prototype.showCount = function () {
    var limit = this.seconds[this.phase()];
    var current = Math.min(Math.floor(this.elapsed / 1000) + 1, limit);
    if (current !== this.shownCount) {
      this.shownCount = current;
      this.count.textContent = String(current);
    }
  };

  Pacer.prototype.tick = function () {
    var now = performance.now();
    this.elapsed += now - this.last;
    this.last = now;
    var duration = this.seconds[this.phase()] * 1000;
    while (this.elapsed >= duration) {
      this.elapsed -= duration;
      this.phaseIndex += 1;
      if (this.phaseIndex === PHASES.length) {
        this.phaseIndex = 0;
        this.cycle += 1;
        if (this.cycle > this.cycles) {
          this.finish();
          return;
        }
      }
      this.enterPhase();
      duration = this.seconds[this.phase()] * 1000;
    }
    this.showCount();
  };

  Pacer.prototype.scaleTo = function (from, to, duration) {
    if (this.animation) {
      this.animation.cancel();
      this.animation = null;
    }
    // Reduced motion: the circle stays still; the count and the words carry the rhythm.
    if (prefersReducedMotion() || typeof this.circle.animate !== "function") {
      return;
    }
    this.animation = this.circle.animate(
      [{ transform: "scale(" + from + ")" }, { transform: "scale(" + to + ")" }],
      { duration: Math.max(duration, 1), easing: "ease-in-out", fill: "forwards" }
    );
  };

  function init() {
    var sections = document.querySelectorAll(".breathing-pacer");
    for (var i = 0; i < sections.length; i += 1) {
      if (sections[i].querySelector(".pacer-live .pacer-toggle")) {
        sections[i].pacer = new Pacer(sections[i]);
      }
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
