# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_techrar_hooks_global_optspecs
    string join \n color= h/help V/version
end

function __fish_techrar_hooks_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_techrar_hooks_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_techrar_hooks_using_subcommand
    set -l cmd (__fish_techrar_hooks_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c techrar-hooks -n "__fish_techrar_hooks_needs_command" -l color -d 'When to colour output: auto colours a terminal unless NO_COLOR is set' -r -f -a "auto\t''
always\t''
never\t''"
complete -c techrar-hooks -n "__fish_techrar_hooks_needs_command" -s h -l help -d 'Print help'
complete -c techrar-hooks -n "__fish_techrar_hooks_needs_command" -s V -l version -d 'Print version'
complete -c techrar-hooks -n "__fish_techrar_hooks_needs_command" -f -a "verify" -d 'Check the X-Signature of captured requests (exit 0 valid, 1 not valid, 2 bad input)'
complete -c techrar-hooks -n "__fish_techrar_hooks_needs_command" -f -a "listen" -d 'Receive deliveries on a local endpoint: verify, print, log and forward each one'
complete -c techrar-hooks -n "__fish_techrar_hooks_needs_command" -f -a "replay" -d 'Re-deliver logged or captured requests, exactly or re-signed (exit 0 all 2xx, 1 not, 2 bad input)'
complete -c techrar-hooks -n "__fish_techrar_hooks_needs_command" -f -a "events" -d 'List the events `send` knows: name, category, provenance, description'
complete -c techrar-hooks -n "__fish_techrar_hooks_needs_command" -f -a "send" -d 'Send a realistic, signed event to your endpoint (exit 0 when it answers 2xx)'
complete -c techrar-hooks -n "__fish_techrar_hooks_needs_command" -f -a "completions" -d 'Print a shell completion script, or write them all with --dir'
complete -c techrar-hooks -n "__fish_techrar_hooks_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c techrar-hooks -n "__fish_techrar_hooks_using_subcommand verify" -l payload -d 'Check a body file (- for standard input) against --signature instead of a capture' -r -F
complete -c techrar-hooks -n "__fish_techrar_hooks_using_subcommand verify" -l signature -d 'The X-Signature value to check --payload against' -r
complete -c techrar-hooks -n "__fish_techrar_hooks_using_subcommand verify" -l id -d 'Only the log records with this id (repeatable)' -r
complete -c techrar-hooks -n "__fish_techrar_hooks_using_subcommand verify" -l tolerance -d 'Also reject an envelope timestamp further than this from now (e.g. 5m)' -r
complete -c techrar-hooks -n "__fish_techrar_hooks_using_subcommand verify" -l now -d 'The time to check --tolerance against, in Unix seconds (default: now)' -r
complete -c techrar-hooks -n "__fish_techrar_hooks_using_subcommand verify" -l algorithm -d 'HMAC hash algorithm' -r -f -a "sha256\t''
sha512\t''
sha1\t''"
complete -c techrar-hooks -n "__fish_techrar_hooks_using_subcommand verify" -l encoding -d 'How the MAC is written in X-Signature' -r -f -a "hex\t''
base64\t''"
complete -c techrar-hooks -n "__fish_techrar_hooks_using_subcommand verify" -l secret -d 'A webhook Secret Key (repeatable). Prefer TECHRAR_WEBHOOK_SECRET or --secret-file: they keep the secret out of shell history. [env: TECHRAR_WEBHOOK_SECRET]' -r
complete -c techrar-hooks -n "__fish_techrar_hooks_using_subcommand verify" -l secret-file -d 'A file with one secret per line (repeatable)' -r -F
complete -c techrar-hooks -n "__fish_techrar_hooks_using_subcommand verify" -l color -d 'When to colour output: auto colours a terminal unless NO_COLOR is set' -r -f -a "auto\t''
always\t''
never\t''"
complete -c techrar-hooks -n "__fish_techrar_hooks_using_subcommand verify" -l detect -d 'Try every algorithm and encoding and say which scheme the signature uses'
complete -c techrar-hooks -n "__fish_techrar_hooks_using_subcommand verify" -l json -d 'One JSON object per request on stdout'
complete -c techrar-hooks -n "__fish_techrar_hooks_using_subcommand verify" -s q -l quiet -d 'Print nothing; only the exit status tells'
complete -c techrar-hooks -n "__fish_techrar_hooks_using_subcommand verify" -s h -l help -d 'Print help'
complete -c techrar-hooks -n "__fish_techrar_hooks_using_subcommand verify" -s V -l version -d 'Print version'
complete -c techrar-hooks -n "__fish_techrar_hooks_using_subcommand listen" -l host -d 'The address to listen on; 0.0.0.0 to accept from other machines (e.g. in a container)' -r
complete -c techrar-hooks -n "__fish_techrar_hooks_using_subcommand listen" -l port -d 'The port to listen on; 0 picks a free one (the readiness line tells which)' -r
complete -c techrar-hooks -n "__fish_techrar_hooks_using_subcommand listen" -l path -d 'Accept deliveries only on this path (default: any path)' -r
complete -c techrar-hooks -n "__fish_techrar_hooks_using_subcommand listen" -l log -d 'The JSONL log every request is appended to (created 0600, its folder 0700)' -r -F
complete -c techrar-hooks -n "__fish_techrar_hooks_using_subcommand listen" -l status -d 'Answer every verified delivery with this status, to rehearse failures (e.g. 500)' -r
complete -c techrar-hooks -n "__fish_techrar_hooks_using_subcommand listen" -l delay -d 'Wait this long before answering (e.g. 11s, beyond Techrar\'s 10 s timeout)' -r
complete -c techrar-hooks -n "__fish_techrar_hooks_using_subcommand listen" -l max-body -d 'Refuse larger bodies with 413 (e.g. 512KiB, 4MiB, or bytes)' -r
complete -c techrar-hooks -n "__fish_techrar_hooks_using_subcommand listen" -l read-timeout -d 'Close a connection that takes longer than this to send a request\'s headers (or sends no request for this long), and answer 408 to a body not received within it' -r
complete -c techrar-hooks -n "__fish_techrar_hooks_using_subcommand listen" -l require-header -d 'A header every delivery must carry, as set in the portal (repeatable)' -r
complete -c techrar-hooks -n "__fish_techrar_hooks_using_subcommand listen" -l forward-to -d 'Pass every request on to your app at this URL, and answer with its response' -r
complete -c techrar-hooks -n "__fish_techrar_hooks_using_subcommand listen" -l forward-timeout -d 'How long to wait for your app' -r
complete -c techrar-hooks -n "__fish_techrar_hooks_using_subcommand listen" -l print -d 'What to print after each request\'s line' -r -f -a "summary\t'One line per request'
body\t'The line, then the body (pretty-printed when it is JSON)'
headers\t'The line, then the headers'
full\t'The line, the headers and the body'
none\t'Nothing per request'"
complete -c techrar-hooks -n "__fish_techrar_hooks_using_subcommand listen" -l events -d 'Print only the events matching this glob, e.g. \'m.order.*\' (repeatable); all are still logged' -r
complete -c techrar-hooks -n "__fish_techrar_hooks_using_subcommand listen" -l algorithm -d 'HMAC hash algorithm' -r -f -a "sha256\t''
sha512\t''
sha1\t''"
complete -c techrar-hooks -n "__fish_techrar_hooks_using_subcommand listen" -l encoding -d 'How the MAC is written in X-Signature' -r -f -a "hex\t''
base64\t''"
complete -c techrar-hooks -n "__fish_techrar_hooks_using_subcommand listen" -l secret -d 'A webhook Secret Key (repeatable). Prefer TECHRAR_WEBHOOK_SECRET or --secret-file: they keep the secret out of shell history. [env: TECHRAR_WEBHOOK_SECRET]' -r
complete -c techrar-hooks -n "__fish_techrar_hooks_using_subcommand listen" -l secret-file -d 'A file with one secret per line (repeatable)' -r -F
complete -c techrar-hooks -n "__fish_techrar_hooks_using_subcommand listen" -l color -d 'When to colour output: auto colours a terminal unless NO_COLOR is set' -r -f -a "auto\t''
always\t''
never\t''"
complete -c techrar-hooks -n "__fish_techrar_hooks_using_subcommand listen" -l no-log -d 'Keep no log'
complete -c techrar-hooks -n "__fish_techrar_hooks_using_subcommand listen" -l fsync -d 'Also sync each record to disk before answering (slower; survives a power cut)'
complete -c techrar-hooks -n "__fish_techrar_hooks_using_subcommand listen" -l accept-all -d 'Answer 200 whatever the signature and required headers say'
complete -c techrar-hooks -n "__fish_techrar_hooks_using_subcommand listen" -l forward-exact -d 'Forward to --forward-to exactly, without appending the request\'s path and query'
complete -c techrar-hooks -n "__fish_techrar_hooks_using_subcommand listen" -l json -d 'Print each record as one JSON line on stdout, after a {"listening":…} line'
complete -c techrar-hooks -n "__fish_techrar_hooks_using_subcommand listen" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c techrar-hooks -n "__fish_techrar_hooks_using_subcommand listen" -s V -l version -d 'Print version'
complete -c techrar-hooks -n "__fish_techrar_hooks_using_subcommand replay" -l id -d 'Only the log record with this id (repeatable)' -r
complete -c techrar-hooks -n "__fish_techrar_hooks_using_subcommand replay" -l event -d 'Only events whose name matches this glob, e.g. \'m.order.*\' (repeatable: any may match)' -r
complete -c techrar-hooks -n "__fish_techrar_hooks_using_subcommand replay" -l path -d 'Only requests whose path matches this glob (\'*\' stays within a segment, \'**\' crosses)' -r
complete -c techrar-hooks -n "__fish_techrar_hooks_using_subcommand replay" -l since -d 'Only requests received at or after this: a duration ago (2h) or a UTC time (2026-12-04T10:00:00Z, or a date). Captures other than our log have no receive time' -r
complete -c techrar-hooks -n "__fish_techrar_hooks_using_subcommand replay" -l until -d 'Only requests received before this: a duration ago (30m) or a UTC time' -r
complete -c techrar-hooks -n "__fish_techrar_hooks_using_subcommand replay" -l last -d 'Only the last N of the requests the other filters select' -r
complete -c techrar-hooks -n "__fish_techrar_hooks_using_subcommand replay" -l only -d 'Only requests whose signature was logged as valid, invalid (or malformed) or missing, or whose original delivery failed (our response or the forward was not 2xx)' -r -f -a "valid\t'The signature was valid when logged'
invalid\t'The signature did not verify (or was malformed)'
missing\t'There was no X-Signature header'
failed\t'Our response or the forward was not 2xx'"
complete -c techrar-hooks -n "__fish_techrar_hooks_using_subcommand replay" -l concurrency -d 'How many deliveries may be in flight at once; order is then not guaranteed' -r
complete -c techrar-hooks -n "__fish_techrar_hooks_using_subcommand replay" -l to -d 'The endpoint to deliver to' -r
complete -c techrar-hooks -n "__fish_techrar_hooks_using_subcommand replay" -s H -l header -d 'An extra request header, like curl\'s -H (repeatable): -H \'X-Auth-Token: abc\'' -r
complete -c techrar-hooks -n "__fish_techrar_hooks_using_subcommand replay" -l timeout -d 'How long to wait for a response (Techrar allows 10s)' -r
complete -c techrar-hooks -n "__fish_techrar_hooks_using_subcommand replay" -l retry-schedule -d 'Retry on this schedule instead: the waits before each retry, e.g. 0s,300ms,600ms' -r
complete -c techrar-hooks -n "__fish_techrar_hooks_using_subcommand replay" -l algorithm -d 'HMAC hash algorithm' -r -f -a "sha256\t''
sha512\t''
sha1\t''"
complete -c techrar-hooks -n "__fish_techrar_hooks_using_subcommand replay" -l encoding -d 'How the MAC is written in X-Signature' -r -f -a "hex\t''
base64\t''"
complete -c techrar-hooks -n "__fish_techrar_hooks_using_subcommand replay" -l secret -d 'A webhook Secret Key (repeatable). Prefer TECHRAR_WEBHOOK_SECRET or --secret-file: they keep the secret out of shell history. [env: TECHRAR_WEBHOOK_SECRET]' -r
complete -c techrar-hooks -n "__fish_techrar_hooks_using_subcommand replay" -l secret-file -d 'A file with one secret per line (repeatable)' -r -F
complete -c techrar-hooks -n "__fish_techrar_hooks_using_subcommand replay" -l color -d 'When to colour output: auto colours a terminal unless NO_COLOR is set' -r -f -a "auto\t''
always\t''
never\t''"
complete -c techrar-hooks -n "__fish_techrar_hooks_using_subcommand replay" -l to-exact -d 'Deliver to --to exactly, without appending each request\'s original path and query'
complete -c techrar-hooks -n "__fish_techrar_hooks_using_subcommand replay" -l resign -d 'Sign each body again with the configured secret and scheme, replacing X-Signature (to deliver to another environment). Without it, the original X-Signature is sent'
complete -c techrar-hooks -n "__fish_techrar_hooks_using_subcommand replay" -l refresh-timestamp -d 'Set the envelope\'s timestamp to now, changing only its bytes, and sign again (implies --resign)'
complete -c techrar-hooks -n "__fish_techrar_hooks_using_subcommand replay" -l fail-fast -d 'Stop at the first delivery that does not get a 2xx'
complete -c techrar-hooks -n "__fish_techrar_hooks_using_subcommand replay" -l dry-run -d 'Print what would be sent (method, URL, headers, body); send nothing'
complete -c techrar-hooks -n "__fish_techrar_hooks_using_subcommand replay" -l json -d 'One JSON object per delivery on stdout'
complete -c techrar-hooks -n "__fish_techrar_hooks_using_subcommand replay" -l retry -d 'Retry a failed delivery (non-2xx, timeout, connection error) on Techrar\'s documented schedule: immediately, then 1 minute later, then 5 minutes later'
complete -c techrar-hooks -n "__fish_techrar_hooks_using_subcommand replay" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c techrar-hooks -n "__fish_techrar_hooks_using_subcommand replay" -s V -l version -d 'Print version'
complete -c techrar-hooks -n "__fish_techrar_hooks_using_subcommand events" -l fixtures -d 'A folder of <event>.json envelopes (directly or under events/) that add or replace events, with an optional catalog.json describing them' -r -F
complete -c techrar-hooks -n "__fish_techrar_hooks_using_subcommand events" -l color -d 'When to colour output: auto colours a terminal unless NO_COLOR is set' -r -f -a "auto\t''
always\t''
never\t''"
complete -c techrar-hooks -n "__fish_techrar_hooks_using_subcommand events" -l json -d 'A JSON array of {name, category, provenance, description, fixture} on stdout'
complete -c techrar-hooks -n "__fish_techrar_hooks_using_subcommand events" -s h -l help -d 'Print help'
complete -c techrar-hooks -n "__fish_techrar_hooks_using_subcommand events" -s V -l version -d 'Print version'
complete -c techrar-hooks -n "__fish_techrar_hooks_using_subcommand send" -l set -d 'Set a field of the envelope by dotted path (repeatable): data.is_paid=false. The value is read as JSON when it parses (42, false, "007", {...}), else as text' -r
complete -c techrar-hooks -n "__fish_techrar_hooks_using_subcommand send" -l data -d 'Take the data from a JSON file (- for standard input). A JSON object with both "event" and "data" keys is a whole envelope and replaces the fixture; anything else becomes the envelope\'s "data"' -r -F
complete -c techrar-hooks -n "__fish_techrar_hooks_using_subcommand send" -l app-id -d 'The envelope\'s app_id (default: the fixture\'s)' -r
complete -c techrar-hooks -n "__fish_techrar_hooks_using_subcommand send" -l timestamp -d 'The envelope\'s timestamp in Unix seconds (default: now); fixes the signature' -r
complete -c techrar-hooks -n "__fish_techrar_hooks_using_subcommand send" -l repeat -d 'Send the event this many times (a load test), then print a summary' -r
complete -c techrar-hooks -n "__fish_techrar_hooks_using_subcommand send" -l concurrency -d 'How many deliveries are in flight at once over kept-alive connections' -r
complete -c techrar-hooks -n "__fish_techrar_hooks_using_subcommand send" -l to -d 'The endpoint to deliver to' -r
complete -c techrar-hooks -n "__fish_techrar_hooks_using_subcommand send" -s H -l header -d 'An extra request header, like curl\'s -H (repeatable): -H \'X-Auth-Token: abc\'' -r
complete -c techrar-hooks -n "__fish_techrar_hooks_using_subcommand send" -l timeout -d 'How long to wait for a response (Techrar allows 10s)' -r
complete -c techrar-hooks -n "__fish_techrar_hooks_using_subcommand send" -l retry-schedule -d 'Retry on this schedule instead: the waits before each retry, e.g. 0s,300ms,600ms' -r
complete -c techrar-hooks -n "__fish_techrar_hooks_using_subcommand send" -l fixtures -d 'A folder of <event>.json envelopes (directly or under events/) that add or replace events, with an optional catalog.json describing them' -r -F
complete -c techrar-hooks -n "__fish_techrar_hooks_using_subcommand send" -l algorithm -d 'HMAC hash algorithm' -r -f -a "sha256\t''
sha512\t''
sha1\t''"
complete -c techrar-hooks -n "__fish_techrar_hooks_using_subcommand send" -l encoding -d 'How the MAC is written in X-Signature' -r -f -a "hex\t''
base64\t''"
complete -c techrar-hooks -n "__fish_techrar_hooks_using_subcommand send" -l secret -d 'A webhook Secret Key (repeatable). Prefer TECHRAR_WEBHOOK_SECRET or --secret-file: they keep the secret out of shell history. [env: TECHRAR_WEBHOOK_SECRET]' -r
complete -c techrar-hooks -n "__fish_techrar_hooks_using_subcommand send" -l secret-file -d 'A file with one secret per line (repeatable)' -r -F
complete -c techrar-hooks -n "__fish_techrar_hooks_using_subcommand send" -l color -d 'When to colour output: auto colours a terminal unless NO_COLOR is set' -r -f -a "auto\t''
always\t''
never\t''"
complete -c techrar-hooks -n "__fish_techrar_hooks_using_subcommand send" -l dry-run -d 'Print the request (request line, headers, body) instead of sending it'
complete -c techrar-hooks -n "__fish_techrar_hooks_using_subcommand send" -l print-curl -d 'Print a curl command that sends the same signed request, instead of sending it'
complete -c techrar-hooks -n "__fish_techrar_hooks_using_subcommand send" -l same-body -d 'With --repeat, send identical bodies instead of a distinct data.id each'
complete -c techrar-hooks -n "__fish_techrar_hooks_using_subcommand send" -l full -d 'Show the whole response body, not just its start'
complete -c techrar-hooks -n "__fish_techrar_hooks_using_subcommand send" -l json -d 'One JSON object per attempt on stdout (and a summary object after --repeat)'
complete -c techrar-hooks -n "__fish_techrar_hooks_using_subcommand send" -l retry -d 'Retry a failed delivery (non-2xx, timeout, connection error) on Techrar\'s documented schedule: immediately, then 1 minute later, then 5 minutes later'
complete -c techrar-hooks -n "__fish_techrar_hooks_using_subcommand send" -s h -l help -d 'Print help'
complete -c techrar-hooks -n "__fish_techrar_hooks_using_subcommand send" -s V -l version -d 'Print version'
complete -c techrar-hooks -n "__fish_techrar_hooks_using_subcommand completions" -l dir -d 'Write the scripts for every shell into this folder instead' -r -F
complete -c techrar-hooks -n "__fish_techrar_hooks_using_subcommand completions" -l color -d 'When to colour output: auto colours a terminal unless NO_COLOR is set' -r -f -a "auto\t''
always\t''
never\t''"
complete -c techrar-hooks -n "__fish_techrar_hooks_using_subcommand completions" -s h -l help -d 'Print help'
complete -c techrar-hooks -n "__fish_techrar_hooks_using_subcommand completions" -s V -l version -d 'Print version'
complete -c techrar-hooks -n "__fish_techrar_hooks_using_subcommand help; and not __fish_seen_subcommand_from verify listen replay events send completions help" -f -a "verify" -d 'Check the X-Signature of captured requests (exit 0 valid, 1 not valid, 2 bad input)'
complete -c techrar-hooks -n "__fish_techrar_hooks_using_subcommand help; and not __fish_seen_subcommand_from verify listen replay events send completions help" -f -a "listen" -d 'Receive deliveries on a local endpoint: verify, print, log and forward each one'
complete -c techrar-hooks -n "__fish_techrar_hooks_using_subcommand help; and not __fish_seen_subcommand_from verify listen replay events send completions help" -f -a "replay" -d 'Re-deliver logged or captured requests, exactly or re-signed (exit 0 all 2xx, 1 not, 2 bad input)'
complete -c techrar-hooks -n "__fish_techrar_hooks_using_subcommand help; and not __fish_seen_subcommand_from verify listen replay events send completions help" -f -a "events" -d 'List the events `send` knows: name, category, provenance, description'
complete -c techrar-hooks -n "__fish_techrar_hooks_using_subcommand help; and not __fish_seen_subcommand_from verify listen replay events send completions help" -f -a "send" -d 'Send a realistic, signed event to your endpoint (exit 0 when it answers 2xx)'
complete -c techrar-hooks -n "__fish_techrar_hooks_using_subcommand help; and not __fish_seen_subcommand_from verify listen replay events send completions help" -f -a "completions" -d 'Print a shell completion script, or write them all with --dir'
complete -c techrar-hooks -n "__fish_techrar_hooks_using_subcommand help; and not __fish_seen_subcommand_from verify listen replay events send completions help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
