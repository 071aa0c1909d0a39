-- bench/wrk-post.lua: the request outreachd's sms-twilio plugin sends, for
-- wrk (the physical limit of the nginx stand-in).  bench/run.sh sets
-- BENCH_AUTH (base64 of "sid:token") and BENCH_BODY (the form) in the
-- environment; the URL given to wrk carries the path.
wrk.method = "POST"
wrk.body = os.getenv("BENCH_BODY")
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Accept"] = "application/json"
wrk.headers["Authorization"] = "Basic " .. os.getenv("BENCH_AUTH")


done = function(summary, latency, requests)
	io.write(string.format("wrk: requests=%d seconds=%.3f errors=%d non2xx=%d\n",
		summary.requests, summary.duration / 1e6,
		summary.errors.connect + summary.errors.read + summary.errors.write +
		summary.errors.timeout, summary.errors.status))
end
