// PurgeCSS settings for the vendored Pico CSS (see static/vendor/README.md, "Pico, purged").
// It keeps every Pico rule whose selectors name an element, class, id or attribute value that
// appears in a template, a script or a Python module that writes HTML (the charts, tel links).
module.exports = {
  content: [
    "templates/**/*.html",
    "static/js/**/*.js",
    "portal/**/*.py",
  ],
  css: ["static/vendor/pico/pico.min.css"],
  safelist: {
    standard: ["html", "body"],
  },
  variables: false,
  keyframes: true,
  fontFace: true,
};
