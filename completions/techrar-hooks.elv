
use builtin;
use str;

set edit:completion:arg-completer[techrar-hooks] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'techrar-hooks'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'techrar-hooks'= {
            cand --color 'When to colour output: auto colours a terminal unless NO_COLOR is set'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand verify 'Check the X-Signature of captured requests (exit 0 valid, 1 not valid, 2 bad input)'
            cand listen 'Receive deliveries on a local endpoint: verify, print, log and forward each one'
            cand replay 'Re-deliver logged or captured requests, exactly or re-signed (exit 0 all 2xx, 1 not, 2 bad input)'
            cand events 'List the events `send` knows: name, category, provenance, description'
            cand send 'Send a realistic, signed event to your endpoint (exit 0 when it answers 2xx)'
            cand completions 'Print a shell completion script, or write them all with --dir'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'techrar-hooks;verify'= {
            cand --payload 'Check a body file (- for standard input) against --signature instead of a capture'
            cand --signature 'The X-Signature value to check --payload against'
            cand --id 'Only the log records with this id (repeatable)'
            cand --tolerance 'Also reject an envelope timestamp further than this from now (e.g. 5m)'
            cand --now 'The time to check --tolerance against, in Unix seconds (default: now)'
            cand --algorithm 'HMAC hash algorithm'
            cand --encoding 'How the MAC is written in X-Signature'
            cand --secret 'A webhook Secret Key (repeatable). Prefer TECHRAR_WEBHOOK_SECRET or --secret-file: they keep the secret out of shell history. [env: TECHRAR_WEBHOOK_SECRET]'
            cand --secret-file 'A file with one secret per line (repeatable)'
            cand --color 'When to colour output: auto colours a terminal unless NO_COLOR is set'
            cand --detect 'Try every algorithm and encoding and say which scheme the signature uses'
            cand --json 'One JSON object per request on stdout'
            cand -q 'Print nothing; only the exit status tells'
            cand --quiet 'Print nothing; only the exit status tells'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'techrar-hooks;listen'= {
            cand --host 'The address to listen on; 0.0.0.0 to accept from other machines (e.g. in a container)'
            cand --port 'The port to listen on; 0 picks a free one (the readiness line tells which)'
            cand --path 'Accept deliveries only on this path (default: any path)'
            cand --log 'The JSONL log every request is appended to (created 0600, its folder 0700)'
            cand --status 'Answer every verified delivery with this status, to rehearse failures (e.g. 500)'
            cand --delay 'Wait this long before answering (e.g. 11s, beyond Techrar''s 10 s timeout)'
            cand --max-body 'Refuse larger bodies with 413 (e.g. 512KiB, 4MiB, or bytes)'
            cand --read-timeout 'Close a connection that takes longer than this to send a request''s headers (or sends no request for this long), and answer 408 to a body not received within it'
            cand --require-header 'A header every delivery must carry, as set in the portal (repeatable)'
            cand --forward-to 'Pass every request on to your app at this URL, and answer with its response'
            cand --forward-timeout 'How long to wait for your app'
            cand --print 'What to print after each request''s line'
            cand --events 'Print only the events matching this glob, e.g. ''m.order.*'' (repeatable); all are still logged'
            cand --algorithm 'HMAC hash algorithm'
            cand --encoding 'How the MAC is written in X-Signature'
            cand --secret 'A webhook Secret Key (repeatable). Prefer TECHRAR_WEBHOOK_SECRET or --secret-file: they keep the secret out of shell history. [env: TECHRAR_WEBHOOK_SECRET]'
            cand --secret-file 'A file with one secret per line (repeatable)'
            cand --color 'When to colour output: auto colours a terminal unless NO_COLOR is set'
            cand --no-log 'Keep no log'
            cand --fsync 'Also sync each record to disk before answering (slower; survives a power cut)'
            cand --accept-all 'Answer 200 whatever the signature and required headers say'
            cand --forward-exact 'Forward to --forward-to exactly, without appending the request''s path and query'
            cand --json 'Print each record as one JSON line on stdout, after a {"listening":…} line'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'techrar-hooks;replay'= {
            cand --id 'Only the log record with this id (repeatable)'
            cand --event 'Only events whose name matches this glob, e.g. ''m.order.*'' (repeatable: any may match)'
            cand --path 'Only requests whose path matches this glob (''*'' stays within a segment, ''**'' crosses)'
            cand --since 'Only requests received at or after this: a duration ago (2h) or a UTC time (2026-12-04T10:00:00Z, or a date). Captures other than our log have no receive time'
            cand --until 'Only requests received before this: a duration ago (30m) or a UTC time'
            cand --last 'Only the last N of the requests the other filters select'
            cand --only 'Only requests whose signature was logged as valid, invalid (or malformed) or missing, or whose original delivery failed (our response or the forward was not 2xx)'
            cand --concurrency 'How many deliveries may be in flight at once; order is then not guaranteed'
            cand --to 'The endpoint to deliver to'
            cand -H 'An extra request header, like curl''s -H (repeatable): -H ''X-Auth-Token: abc'''
            cand --header 'An extra request header, like curl''s -H (repeatable): -H ''X-Auth-Token: abc'''
            cand --timeout 'How long to wait for a response (Techrar allows 10s)'
            cand --retry-schedule 'Retry on this schedule instead: the waits before each retry, e.g. 0s,300ms,600ms'
            cand --algorithm 'HMAC hash algorithm'
            cand --encoding 'How the MAC is written in X-Signature'
            cand --secret 'A webhook Secret Key (repeatable). Prefer TECHRAR_WEBHOOK_SECRET or --secret-file: they keep the secret out of shell history. [env: TECHRAR_WEBHOOK_SECRET]'
            cand --secret-file 'A file with one secret per line (repeatable)'
            cand --color 'When to colour output: auto colours a terminal unless NO_COLOR is set'
            cand --to-exact 'Deliver to --to exactly, without appending each request''s original path and query'
            cand --resign 'Sign each body again with the configured secret and scheme, replacing X-Signature (to deliver to another environment). Without it, the original X-Signature is sent'
            cand --refresh-timestamp 'Set the envelope''s timestamp to now, changing only its bytes, and sign again (implies --resign)'
            cand --fail-fast 'Stop at the first delivery that does not get a 2xx'
            cand --dry-run 'Print what would be sent (method, URL, headers, body); send nothing'
            cand --json 'One JSON object per delivery on stdout'
            cand --retry 'Retry a failed delivery (non-2xx, timeout, connection error) on Techrar''s documented schedule: immediately, then 1 minute later, then 5 minutes later'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'techrar-hooks;events'= {
            cand --fixtures 'A folder of <event>.json envelopes (directly or under events/) that add or replace events, with an optional catalog.json describing them'
            cand --color 'When to colour output: auto colours a terminal unless NO_COLOR is set'
            cand --json 'A JSON array of {name, category, provenance, description, fixture} on stdout'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'techrar-hooks;send'= {
            cand --set 'Set a field of the envelope by dotted path (repeatable): data.is_paid=false. The value is read as JSON when it parses (42, false, "007", {...}), else as text'
            cand --data 'Take the data from a JSON file (- for standard input). A JSON object with both "event" and "data" keys is a whole envelope and replaces the fixture; anything else becomes the envelope''s "data"'
            cand --app-id 'The envelope''s app_id (default: the fixture''s)'
            cand --timestamp 'The envelope''s timestamp in Unix seconds (default: now); fixes the signature'
            cand --repeat 'Send the event this many times (a load test), then print a summary'
            cand --concurrency 'How many deliveries are in flight at once over kept-alive connections'
            cand --to 'The endpoint to deliver to'
            cand -H 'An extra request header, like curl''s -H (repeatable): -H ''X-Auth-Token: abc'''
            cand --header 'An extra request header, like curl''s -H (repeatable): -H ''X-Auth-Token: abc'''
            cand --timeout 'How long to wait for a response (Techrar allows 10s)'
            cand --retry-schedule 'Retry on this schedule instead: the waits before each retry, e.g. 0s,300ms,600ms'
            cand --fixtures 'A folder of <event>.json envelopes (directly or under events/) that add or replace events, with an optional catalog.json describing them'
            cand --algorithm 'HMAC hash algorithm'
            cand --encoding 'How the MAC is written in X-Signature'
            cand --secret 'A webhook Secret Key (repeatable). Prefer TECHRAR_WEBHOOK_SECRET or --secret-file: they keep the secret out of shell history. [env: TECHRAR_WEBHOOK_SECRET]'
            cand --secret-file 'A file with one secret per line (repeatable)'
            cand --color 'When to colour output: auto colours a terminal unless NO_COLOR is set'
            cand --dry-run 'Print the request (request line, headers, body) instead of sending it'
            cand --print-curl 'Print a curl command that sends the same signed request, instead of sending it'
            cand --same-body 'With --repeat, send identical bodies instead of a distinct data.id each'
            cand --full 'Show the whole response body, not just its start'
            cand --json 'One JSON object per attempt on stdout (and a summary object after --repeat)'
            cand --retry 'Retry a failed delivery (non-2xx, timeout, connection error) on Techrar''s documented schedule: immediately, then 1 minute later, then 5 minutes later'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'techrar-hooks;completions'= {
            cand --dir 'Write the scripts for every shell into this folder instead'
            cand --color 'When to colour output: auto colours a terminal unless NO_COLOR is set'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'techrar-hooks;help'= {
            cand verify 'Check the X-Signature of captured requests (exit 0 valid, 1 not valid, 2 bad input)'
            cand listen 'Receive deliveries on a local endpoint: verify, print, log and forward each one'
            cand replay 'Re-deliver logged or captured requests, exactly or re-signed (exit 0 all 2xx, 1 not, 2 bad input)'
            cand events 'List the events `send` knows: name, category, provenance, description'
            cand send 'Send a realistic, signed event to your endpoint (exit 0 when it answers 2xx)'
            cand completions 'Print a shell completion script, or write them all with --dir'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'techrar-hooks;help;verify'= {
        }
        &'techrar-hooks;help;listen'= {
        }
        &'techrar-hooks;help;replay'= {
        }
        &'techrar-hooks;help;events'= {
        }
        &'techrar-hooks;help;send'= {
        }
        &'techrar-hooks;help;completions'= {
        }
        &'techrar-hooks;help;help'= {
        }
    ]
    $completions[$command]
}
