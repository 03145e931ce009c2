'use strict';
// The onboarding form's county picker searches only the chosen state's counties: when the state
// changes, the picker is rebuilt on a search URL naming it, and counties of the old state are dropped.
window.addEventListener('load', function() {
    const $ = django.jQuery;
    const state = document.getElementById('id_state');
    const counties = $('#id_counties');
    if (!state || !counties.length) {
        return;
    }
    const searchUrl = counties.attr('data-ajax--url').split('?')[0];
    state.addEventListener('change', function() {
        counties.select2('destroy');
        counties.empty();
        const url = state.value ? searchUrl + '?state=' + encodeURIComponent(state.value) : searchUrl;
        counties.attr('data-ajax--url', url);
        counties.removeData();  // jQuery keeps the data- attributes it read; Select2 reads through it
        counties.djangoAdminSelect2();
    });
});
