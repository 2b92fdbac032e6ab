# bash completion for streamscope-cli                                    -*- shell-script -*-
# Installed as share/bash-completion/completions/streamscope-cli: bash-completion loads it the
# first time streamscope-cli is completed.
#
# The commands, their arguments, options and verbs come from the program itself
# (`streamscope-cli --completion-words`, read once per shell and program), so this script has no
# list of its own to fall behind. Stream names come from the server, when the command line names
# one (-u/--url, -h, -p, -s, --sentinel, --ssh): `streamscope-cli CONNECTION streams --names
# 'PREFIX*'`, with a 1 s timeout (3 s in all), errors unseen.

# The --completion-words of program $1 in _streamscope_cli_words (cached per program).
_streamscope_cli_load() {
    if [[ ${_streamscope_cli_words_of-} != "$1" || -z ${_streamscope_cli_words-} ]]; then
        _streamscope_cli_words=$("$1" --completion-words 2>/dev/null) || return 1
        _streamscope_cli_words_of=$1
    fi
}

# Adds to COMPREPLY the stream names starting with $cur of the server named by conn[@].
_streamscope_cli_streams() {
    local pattern=$cur c name
    for c in '\' '*' '?' '[' ']'; do
        pattern=${pattern//"$c"/\\$c}
    done
    while IFS= read -r name; do
        [[ $name == "$cur"* ]] && COMPREPLY+=("$(printf '%q' "$name")")
    done < <(timeout 3 "$cli" "${conn[@]}" --no-auth-warning --timeout 1000 \
        streams --names "$pattern*" 2>/dev/null)
    __ltrim_colon_completions "$cur"
}

# Completes a value named $1 (an option's FILE, a command's STREAM).
_streamscope_cli_value() {
    case ${1//[\[\].]/} in
        STREAM | DLQ_STREAM | PATTERN | TARGET_STREAM)
            ((has_conn)) && _streamscope_cli_streams
            ;;
        FILE | SOCKET) _filedir ;;
        DIR) _filedir -d ;;
    esac
}

_streamscope_cli() {
    local cur prev words cword
    # = and : are not word breaks here: --to=STREAM and orders:dlq are one word each.
    _init_completion -n =: || return

    local cli=${words[0]}
    [[ $cli == "~/"* ]] && cli=$HOME/${cli#"~/"}
    _streamscope_cli_load "$cli" || return

    # The words: "-<TAB><TAB>GLOBAL", then "NAME<TAB>ARGS<TAB>OPTIONS<TAB>VERBS" per command.
    local line name rest global="" commands=()
    local -A cmd_args cmd_opts cmd_verbs
    while IFS= read -r line; do
        name=${line%%$'\t'*} rest=${line#*$'\t'}
        if [[ $name == - ]]; then
            global=${rest#*$'\t'}
            continue
        fi
        commands+=("$name")
        cmd_args[$name]=${rest%%$'\t'*} rest=${rest#*$'\t'}
        cmd_opts[$name]=${rest%%$'\t'*}
        cmd_verbs[$name]=${rest#*$'\t'}
    done <<<"$_streamscope_cli_words"

    # What is typed so far: the command, its positional arguments, the connection options.
    local i w opt cmd="" positional=() conn=() has_conn=0 value_for="" options="$global"
    for ((i = 1; i < cword; i++)); do
        w=${words[i]}
        if [[ -n $value_for ]]; then
            [[ " $global " == *" $value_for="* ]] && conn+=("$w")
            value_for=""
            continue
        fi
        if [[ $w == -?* ]]; then
            opt=${w%%=*}
            if [[ " $global " == *" $opt"[\ =]* ]]; then
                case $opt in --timeout | --json | --help | --version | --read-only) ;; *) conn+=("$w") ;; esac
                case $opt in -u | --url | -h | -p | -s | --sentinel | --ssh) has_conn=1 ;; esac
            fi
            [[ $w != *=* && " $options " == *" $opt="* ]] && value_for=$opt
            continue
        fi
        if [[ -z $cmd ]]; then
            cmd=$w
            options="$global ${cmd_opts[$cmd]-}"
        else
            positional+=("$w")
        fi
    done
    # --url=redis://... gives its connection in one word.
    [[ " ${conn[*]} " == *" --url="* ]] && has_conn=1

    # The value of an option: "--output FILE", "--to STREAM" (also typed as --to=...).
    local valued=$prev
    if [[ $cur == -*=* ]]; then
        valued=${cur%%=*}
        cur=${cur#*=}
    elif [[ $prev != -?* || $cword -le 1 || " $options " != *" $prev="* ]]; then
        valued=""
    fi
    if [[ -n $valued ]]; then
        local spec=" $options "
        spec=${spec#*" $valued="}
        _streamscope_cli_value "${spec%% *}"
        return
    fi

    if [[ $cur == -* ]]; then
        local o list=() all
        read -ra all <<<"$options" # never word-split unquoted: --ssh=[USER@]HOST[:PORT] globs
        for o in "${all[@]}"; do list+=("${o%%=*}"); done
        COMPREPLY=($(compgen -W "${list[*]}" -- "$cur"))
        return
    fi
    if [[ -z $cmd ]]; then
        COMPREPLY=($(compgen -W "${commands[*]}" -- "$cur"))
        return
    fi

    # A positional argument: the command's usage line says which (the last one repeats when
    # it ends with "..."); a command with verbs (group) takes the verb first, then its own.
    local args verbs v n=${#positional[@]}
    read -ra args <<<"${cmd_args[$cmd]-}"
    read -ra verbs <<<"${cmd_verbs[$cmd]-}"
    if ((${#verbs[@]})); then
        if ((n == 0)); then
            local list=()
            for v in "${verbs[@]}"; do list+=("${v%%:*}"); done
            COMPREPLY=($(compgen -W "${list[*]}" -- "$cur"))
            return
        fi
        args=()
        for v in "${verbs[@]}"; do
            [[ ${v%%:*} == "${positional[0]}" ]] && IFS=, read -ra args <<<"${v#*:}"
        done
        ((n--))
    fi
    local arg=""
    if ((n < ${#args[@]})); then
        arg=${args[n]}
    elif ((${#args[@]})) && [[ ${args[-1]} == *... ]]; then
        arg=${args[-1]}
    fi
    [[ -n $arg ]] && _streamscope_cli_value "$arg"
}
complete -F _streamscope_cli streamscope-cli
