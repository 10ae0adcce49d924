// When the session has ended while a page is open (logged out in another tab, account disabled,
// password changed), every callback is answered 401 "login required". Dash would only log an
// error each second (the live chart polls) and leave the page stale: go to the login page
// instead, and come back to this page after logging in.
(function () {
    var fetchBefore = window.fetch;
    var leaving = false;
    window.fetch = function (input) {
        return fetchBefore.apply(this, arguments).then(function (response) {
            var url = typeof input === "string" ? input : (input && input.url) || "";
            if (response.status === 401 && !leaving && url.indexOf("_dash-update-component") !== -1) {
                leaving = true;
                var next = window.location.pathname + window.location.search;
                window.location.assign("/login?next=" + encodeURIComponent(next));
                // Never settles: the page is leaving, Dash must not report the refusal.
                return new Promise(function () {});
            }
            return response;
        });
    };
})();
