
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
            cand completions 'Print a shell completion script, or write them all with --dir'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'techrar-hooks;help;verify'= {
        }
        &'techrar-hooks;help;listen'= {
        }
        &'techrar-hooks;help;completions'= {
        }
        &'techrar-hooks;help;help'= {
        }
    ]
    $completions[$command]
}
