'use strict';
// The broadcast admin: a live count of recipients as the audience changes (count/ with the form's
// fields), and the progress of a broadcast being sent (<id>/progress/), refreshed every 2 seconds.
window.addEventListener('load', function() {
    const count = document.getElementById('broadcast-live-count');
    const form = document.getElementById('broadcast_form');
    if (count && form) {
        let timer = null;
        const ask = function() {
            const query = new URLSearchParams(new FormData(form));
            query.delete('csrfmiddlewaretoken');
            fetch(count.dataset.url + '?' + query.toString(), {credentials: 'same-origin'})
                .then(function(r) { return r.json(); })
                .then(function(data) {
                    count.textContent = data.error ? data.error
                        : data.count + (data.count === 1 ? ' member' : ' members') + ' would receive it now: ' + data.audience;
                });
        };
        const later = function() { clearTimeout(timer); timer = setTimeout(ask, 300); };
        form.addEventListener('change', later);
        form.addEventListener('input', later);
        const submit = form.querySelector('.submit-row');
        if (submit) { submit.parentNode.insertBefore(count, submit); }
        ask();
    }
    const progress = document.getElementById('broadcast-progress');
    if (progress) {
        const bar = document.getElementById('broadcast-progress-bar');
        const refresh = function() {
            fetch(progress.dataset.url, {credentials: 'same-origin'})
                .then(function(r) { return r.json(); })
                .then(function(data) {
                    let total = 0;
                    Object.keys(data.counts).forEach(function(state) {
                        total += data.counts[state];
                        const cell = progress.querySelector('strong[data-state="' + state + '"]');
                        if (cell) { cell.textContent = data.counts[state]; }
                    });
                    const done = total - data.counts.queued - data.counts.sending;
                    bar.max = Math.max(total, 1);
                    bar.value = done;
                    if (data.state === 'sending' || data.state === 'scheduled') { setTimeout(refresh, 2000); }
                });
        };
        refresh();
    }
});
