/* ampline: Amplitude (Actions) browser plugins for analytics.js 2.0 (placeholder; the full plugin follows). */
(function (root) {
  'use strict';
  function factory() { return []; }
  factory.pluginName = 'Amplitude (Actions)';
  root['amplitude-pluginsDestination'] = factory;
})(typeof window !== 'undefined' ? window : this);
