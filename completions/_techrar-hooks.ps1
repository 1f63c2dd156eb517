
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'techrar-hooks' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'techrar-hooks'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'techrar-hooks' {
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output: auto colours a terminal unless NO_COLOR is set')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('verify', 'verify', [CompletionResultType]::ParameterValue, 'Check the X-Signature of captured requests (exit 0 valid, 1 not valid, 2 bad input)')
            [CompletionResult]::new('listen', 'listen', [CompletionResultType]::ParameterValue, 'Receive deliveries on a local endpoint: verify, print, log and forward each one')
            [CompletionResult]::new('replay', 'replay', [CompletionResultType]::ParameterValue, 'Re-deliver logged or captured requests, exactly or re-signed (exit 0 all 2xx, 1 not, 2 bad input)')
            [CompletionResult]::new('events', 'events', [CompletionResultType]::ParameterValue, 'List the events `send` knows: name, category, provenance, description')
            [CompletionResult]::new('send', 'send', [CompletionResultType]::ParameterValue, 'Send a realistic, signed event to your endpoint (exit 0 when it answers 2xx)')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script, or write them all with --dir')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'techrar-hooks;verify' {
            [CompletionResult]::new('--payload', '--payload', [CompletionResultType]::ParameterName, 'Check a body file (- for standard input) against --signature instead of a capture')
            [CompletionResult]::new('--signature', '--signature', [CompletionResultType]::ParameterName, 'The X-Signature value to check --payload against')
            [CompletionResult]::new('--id', '--id', [CompletionResultType]::ParameterName, 'Only the log records with this id (repeatable)')
            [CompletionResult]::new('--tolerance', '--tolerance', [CompletionResultType]::ParameterName, 'Also reject an envelope timestamp further than this from now (e.g. 5m)')
            [CompletionResult]::new('--now', '--now', [CompletionResultType]::ParameterName, 'The time to check --tolerance against, in Unix seconds (default: now)')
            [CompletionResult]::new('--algorithm', '--algorithm', [CompletionResultType]::ParameterName, 'HMAC hash algorithm')
            [CompletionResult]::new('--encoding', '--encoding', [CompletionResultType]::ParameterName, 'How the MAC is written in X-Signature')
            [CompletionResult]::new('--secret', '--secret', [CompletionResultType]::ParameterName, 'A webhook Secret Key (repeatable). Prefer TECHRAR_WEBHOOK_SECRET or --secret-file: they keep the secret out of shell history. [env: TECHRAR_WEBHOOK_SECRET]')
            [CompletionResult]::new('--secret-file', '--secret-file', [CompletionResultType]::ParameterName, 'A file with one secret per line (repeatable)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output: auto colours a terminal unless NO_COLOR is set')
            [CompletionResult]::new('--detect', '--detect', [CompletionResultType]::ParameterName, 'Try every algorithm and encoding and say which scheme the signature uses')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'One JSON object per request on stdout')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing; only the exit status tells')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing; only the exit status tells')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'techrar-hooks;listen' {
            [CompletionResult]::new('--host', '--host', [CompletionResultType]::ParameterName, 'The address to listen on; 0.0.0.0 to accept from other machines (e.g. in a container)')
            [CompletionResult]::new('--port', '--port', [CompletionResultType]::ParameterName, 'The port to listen on; 0 picks a free one (the readiness line tells which)')
            [CompletionResult]::new('--path', '--path', [CompletionResultType]::ParameterName, 'Accept deliveries only on this path (default: any path)')
            [CompletionResult]::new('--log', '--log', [CompletionResultType]::ParameterName, 'The JSONL log every request is appended to (created 0600, its folder 0700)')
            [CompletionResult]::new('--status', '--status', [CompletionResultType]::ParameterName, 'Answer every verified delivery with this status, to rehearse failures (e.g. 500)')
            [CompletionResult]::new('--delay', '--delay', [CompletionResultType]::ParameterName, 'Wait this long before answering (e.g. 11s, beyond Techrar''s 10 s timeout)')
            [CompletionResult]::new('--max-body', '--max-body', [CompletionResultType]::ParameterName, 'Refuse larger bodies with 413 (e.g. 512KiB, 4MiB, or bytes)')
            [CompletionResult]::new('--read-timeout', '--read-timeout', [CompletionResultType]::ParameterName, 'Close a connection that takes longer than this to send a request''s headers (or sends no request for this long), and answer 408 to a body not received within it')
            [CompletionResult]::new('--require-header', '--require-header', [CompletionResultType]::ParameterName, 'A header every delivery must carry, as set in the portal (repeatable)')
            [CompletionResult]::new('--forward-to', '--forward-to', [CompletionResultType]::ParameterName, 'Pass every request on to your app at this URL, and answer with its response')
            [CompletionResult]::new('--forward-timeout', '--forward-timeout', [CompletionResultType]::ParameterName, 'How long to wait for your app')
            [CompletionResult]::new('--print', '--print', [CompletionResultType]::ParameterName, 'What to print after each request''s line')
            [CompletionResult]::new('--events', '--events', [CompletionResultType]::ParameterName, 'Print only the events matching this glob, e.g. ''m.order.*'' (repeatable); all are still logged')
            [CompletionResult]::new('--algorithm', '--algorithm', [CompletionResultType]::ParameterName, 'HMAC hash algorithm')
            [CompletionResult]::new('--encoding', '--encoding', [CompletionResultType]::ParameterName, 'How the MAC is written in X-Signature')
            [CompletionResult]::new('--secret', '--secret', [CompletionResultType]::ParameterName, 'A webhook Secret Key (repeatable). Prefer TECHRAR_WEBHOOK_SECRET or --secret-file: they keep the secret out of shell history. [env: TECHRAR_WEBHOOK_SECRET]')
            [CompletionResult]::new('--secret-file', '--secret-file', [CompletionResultType]::ParameterName, 'A file with one secret per line (repeatable)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output: auto colours a terminal unless NO_COLOR is set')
            [CompletionResult]::new('--no-log', '--no-log', [CompletionResultType]::ParameterName, 'Keep no log')
            [CompletionResult]::new('--fsync', '--fsync', [CompletionResultType]::ParameterName, 'Also sync each record to disk before answering (slower; survives a power cut)')
            [CompletionResult]::new('--accept-all', '--accept-all', [CompletionResultType]::ParameterName, 'Answer 200 whatever the signature and required headers say')
            [CompletionResult]::new('--forward-exact', '--forward-exact', [CompletionResultType]::ParameterName, 'Forward to --forward-to exactly, without appending the request''s path and query')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print each record as one JSON line on stdout, after a {"listening":…} line')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'techrar-hooks;replay' {
            [CompletionResult]::new('--id', '--id', [CompletionResultType]::ParameterName, 'Only the log record with this id (repeatable)')
            [CompletionResult]::new('--event', '--event', [CompletionResultType]::ParameterName, 'Only events whose name matches this glob, e.g. ''m.order.*'' (repeatable: any may match)')
            [CompletionResult]::new('--path', '--path', [CompletionResultType]::ParameterName, 'Only requests whose path matches this glob (''*'' stays within a segment, ''**'' crosses)')
            [CompletionResult]::new('--since', '--since', [CompletionResultType]::ParameterName, 'Only requests received at or after this: a duration ago (2h) or a UTC time (2026-12-04T10:00:00Z, or a date). Captures other than our log have no receive time')
            [CompletionResult]::new('--until', '--until', [CompletionResultType]::ParameterName, 'Only requests received before this: a duration ago (30m) or a UTC time')
            [CompletionResult]::new('--last', '--last', [CompletionResultType]::ParameterName, 'Only the last N of the requests the other filters select')
            [CompletionResult]::new('--only', '--only', [CompletionResultType]::ParameterName, 'Only requests whose signature was logged as valid, invalid (or malformed) or missing, or whose original delivery failed (our response or the forward was not 2xx)')
            [CompletionResult]::new('--concurrency', '--concurrency', [CompletionResultType]::ParameterName, 'How many deliveries may be in flight at once; order is then not guaranteed')
            [CompletionResult]::new('--to', '--to', [CompletionResultType]::ParameterName, 'The endpoint to deliver to')
            [CompletionResult]::new('-H', '-H ', [CompletionResultType]::ParameterName, 'An extra request header, like curl''s -H (repeatable): -H ''X-Auth-Token: abc''')
            [CompletionResult]::new('--header', '--header', [CompletionResultType]::ParameterName, 'An extra request header, like curl''s -H (repeatable): -H ''X-Auth-Token: abc''')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long to wait for a response (Techrar allows 10s)')
            [CompletionResult]::new('--retry-schedule', '--retry-schedule', [CompletionResultType]::ParameterName, 'Retry on this schedule instead: the waits before each retry, e.g. 0s,300ms,600ms')
            [CompletionResult]::new('--algorithm', '--algorithm', [CompletionResultType]::ParameterName, 'HMAC hash algorithm')
            [CompletionResult]::new('--encoding', '--encoding', [CompletionResultType]::ParameterName, 'How the MAC is written in X-Signature')
            [CompletionResult]::new('--secret', '--secret', [CompletionResultType]::ParameterName, 'A webhook Secret Key (repeatable). Prefer TECHRAR_WEBHOOK_SECRET or --secret-file: they keep the secret out of shell history. [env: TECHRAR_WEBHOOK_SECRET]')
            [CompletionResult]::new('--secret-file', '--secret-file', [CompletionResultType]::ParameterName, 'A file with one secret per line (repeatable)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output: auto colours a terminal unless NO_COLOR is set')
            [CompletionResult]::new('--to-exact', '--to-exact', [CompletionResultType]::ParameterName, 'Deliver to --to exactly, without appending each request''s original path and query')
            [CompletionResult]::new('--resign', '--resign', [CompletionResultType]::ParameterName, 'Sign each body again with the configured secret and scheme, replacing X-Signature (to deliver to another environment). Without it, the original X-Signature is sent')
            [CompletionResult]::new('--refresh-timestamp', '--refresh-timestamp', [CompletionResultType]::ParameterName, 'Set the envelope''s timestamp to now, changing only its bytes, and sign again (implies --resign)')
            [CompletionResult]::new('--fail-fast', '--fail-fast', [CompletionResultType]::ParameterName, 'Stop at the first delivery that does not get a 2xx')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print what would be sent (method, URL, headers, body); send nothing')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'One JSON object per delivery on stdout')
            [CompletionResult]::new('--retry', '--retry', [CompletionResultType]::ParameterName, 'Retry a failed delivery (non-2xx, timeout, connection error) on Techrar''s documented schedule: immediately, then 1 minute later, then 5 minutes later')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'techrar-hooks;events' {
            [CompletionResult]::new('--fixtures', '--fixtures', [CompletionResultType]::ParameterName, 'A folder of <event>.json envelopes (directly or under events/) that add or replace events, with an optional catalog.json describing them')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output: auto colours a terminal unless NO_COLOR is set')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'A JSON array of {name, category, provenance, description, fixture} on stdout')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'techrar-hooks;send' {
            [CompletionResult]::new('--set', '--set', [CompletionResultType]::ParameterName, 'Set a field of the envelope by dotted path (repeatable): data.is_paid=false. The value is read as JSON when it parses (42, false, "007", {...}), else as text')
            [CompletionResult]::new('--data', '--data', [CompletionResultType]::ParameterName, 'Take the data from a JSON file (- for standard input). A JSON object with both "event" and "data" keys is a whole envelope and replaces the fixture; anything else becomes the envelope''s "data"')
            [CompletionResult]::new('--app-id', '--app-id', [CompletionResultType]::ParameterName, 'The envelope''s app_id (default: the fixture''s)')
            [CompletionResult]::new('--timestamp', '--timestamp', [CompletionResultType]::ParameterName, 'The envelope''s timestamp in Unix seconds (default: now); fixes the signature')
            [CompletionResult]::new('--repeat', '--repeat', [CompletionResultType]::ParameterName, 'Send the event this many times (a load test), then print a summary')
            [CompletionResult]::new('--concurrency', '--concurrency', [CompletionResultType]::ParameterName, 'How many deliveries are in flight at once over kept-alive connections')
            [CompletionResult]::new('--to', '--to', [CompletionResultType]::ParameterName, 'The endpoint to deliver to')
            [CompletionResult]::new('-H', '-H ', [CompletionResultType]::ParameterName, 'An extra request header, like curl''s -H (repeatable): -H ''X-Auth-Token: abc''')
            [CompletionResult]::new('--header', '--header', [CompletionResultType]::ParameterName, 'An extra request header, like curl''s -H (repeatable): -H ''X-Auth-Token: abc''')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long to wait for a response (Techrar allows 10s)')
            [CompletionResult]::new('--retry-schedule', '--retry-schedule', [CompletionResultType]::ParameterName, 'Retry on this schedule instead: the waits before each retry, e.g. 0s,300ms,600ms')
            [CompletionResult]::new('--fixtures', '--fixtures', [CompletionResultType]::ParameterName, 'A folder of <event>.json envelopes (directly or under events/) that add or replace events, with an optional catalog.json describing them')
            [CompletionResult]::new('--algorithm', '--algorithm', [CompletionResultType]::ParameterName, 'HMAC hash algorithm')
            [CompletionResult]::new('--encoding', '--encoding', [CompletionResultType]::ParameterName, 'How the MAC is written in X-Signature')
            [CompletionResult]::new('--secret', '--secret', [CompletionResultType]::ParameterName, 'A webhook Secret Key (repeatable). Prefer TECHRAR_WEBHOOK_SECRET or --secret-file: they keep the secret out of shell history. [env: TECHRAR_WEBHOOK_SECRET]')
            [CompletionResult]::new('--secret-file', '--secret-file', [CompletionResultType]::ParameterName, 'A file with one secret per line (repeatable)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output: auto colours a terminal unless NO_COLOR is set')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print the request (request line, headers, body) instead of sending it')
            [CompletionResult]::new('--print-curl', '--print-curl', [CompletionResultType]::ParameterName, 'Print a curl command that sends the same signed request, instead of sending it')
            [CompletionResult]::new('--same-body', '--same-body', [CompletionResultType]::ParameterName, 'With --repeat, send identical bodies instead of a distinct data.id each')
            [CompletionResult]::new('--full', '--full', [CompletionResultType]::ParameterName, 'Show the whole response body, not just its start')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'One JSON object per attempt on stdout (and a summary object after --repeat)')
            [CompletionResult]::new('--retry', '--retry', [CompletionResultType]::ParameterName, 'Retry a failed delivery (non-2xx, timeout, connection error) on Techrar''s documented schedule: immediately, then 1 minute later, then 5 minutes later')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'techrar-hooks;completions' {
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'Write the scripts for every shell into this folder instead')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output: auto colours a terminal unless NO_COLOR is set')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'techrar-hooks;help' {
            [CompletionResult]::new('verify', 'verify', [CompletionResultType]::ParameterValue, 'Check the X-Signature of captured requests (exit 0 valid, 1 not valid, 2 bad input)')
            [CompletionResult]::new('listen', 'listen', [CompletionResultType]::ParameterValue, 'Receive deliveries on a local endpoint: verify, print, log and forward each one')
            [CompletionResult]::new('replay', 'replay', [CompletionResultType]::ParameterValue, 'Re-deliver logged or captured requests, exactly or re-signed (exit 0 all 2xx, 1 not, 2 bad input)')
            [CompletionResult]::new('events', 'events', [CompletionResultType]::ParameterValue, 'List the events `send` knows: name, category, provenance, description')
            [CompletionResult]::new('send', 'send', [CompletionResultType]::ParameterValue, 'Send a realistic, signed event to your endpoint (exit 0 when it answers 2xx)')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script, or write them all with --dir')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'techrar-hooks;help;verify' {
            break
        }
        'techrar-hooks;help;listen' {
            break
        }
        'techrar-hooks;help;replay' {
            break
        }
        'techrar-hooks;help;events' {
            break
        }
        'techrar-hooks;help;send' {
            break
        }
        'techrar-hooks;help;completions' {
            break
        }
        'techrar-hooks;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
