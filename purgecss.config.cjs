// Bootstrap trimmed to the classes the templates and views use (make css).
// Classes composed at run time (state-*, alert-*, text-bg-*, col-*) are kept by pattern.
module.exports = {
  content: ["templates/**/*.html", "dankheo/**/*.py", "dankheo/static/css/*.css"],
  css: ["build/bootstrap.min.css"],
  output: "dankheo/static/vendor/",
  fontFace: false,
  keyframes: true,
  variables: true,
  safelist: {
    standard: [/^alert-(success|danger|warning|info)$/, /^is-(in)?valid$/, /^was-validated$/,
               /^(in)?valid-feedback$/, /^collaps(e|ing)$/, /^show(ing)?$/, /^hiding$/, /^fade$/,
               /^dropdown-menu-end$/, /^visually-hidden/],
    deep: [/dropdown-menu/, /navbar-collapse/],
  },
};
