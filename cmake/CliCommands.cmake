# cmake -DCLI=path/to/streamscope-cli -DOUTPUT=file.h2m -P CliCommands.cmake
# Writes a help2man include file with a COMMANDS section: each command's own --help, in the
# order and with the names streamscope-cli --completion-words gives (and each verb's --help
# where it differs, as 'group rewind'), as roff verbatim blocks.
cmake_minimum_required(VERSION 3.25) # policies of today (CMP0007: empty list elements kept)

function(run_cli out)
    execute_process(COMMAND ${CLI} ${ARGN} OUTPUT_VARIABLE text RESULT_VARIABLE failed
                    ERROR_VARIABLE err)
    if(failed)
        message(FATAL_ERROR "${CLI} ${ARGN} failed (${failed}): ${err}")
    endif()
    set(${out} "${text}" PARENT_SCOPE)
endfunction()

# Roff: a backslash is \e, a minus \-; a line starting with . or ' would be a request, one starting with
# [ or / a help2man include directive: \& in front keeps them text.
function(roff_verbatim out text)
    string(REPLACE "\\" "\\e" text "${text}")
    string(REPLACE "-" "\\-" text "${text}") # a minus, not a hyphen: options copy as typed
    set(text "\n${text}")
    foreach(c "." "'" "[" "/")
        string(REPLACE "\n${c}" "\n\\&${c}" text "${text}")
    endforeach()
    string(SUBSTRING "${text}" 1 -1 text)
    set(${out} ".nf\n${text}\n.fi\n" PARENT_SCOPE)
endfunction()

run_cli(words --completion-words)
# Lines "NAME<TAB>ARGS<TAB>OPTIONS<TAB>VERBS"; the first ("-") is the global options.
string(REPLACE ";" "\\;" words "${words}")
string(REPLACE "\n" ";" lines "${words}")
set(doc "[COMMANDS]\nEach command's own help (streamscope-cli COMMAND --help):\n")
set(count 0)
foreach(line IN LISTS lines)
    string(REPLACE "\t" ";" fields "${line}")
    list(LENGTH fields n)
    if(n LESS 4)
        continue()
    endif()
    list(GET fields 0 name)
    list(GET fields 3 verbs)
    if(name STREQUAL "-")
        continue()
    endif()
    run_cli(help ${name} --help)
    roff_verbatim(block "${help}")
    string(APPEND doc ".SS ${name}\n${block}")
    math(EXPR count "${count} + 1")
    separate_arguments(verbs UNIX_COMMAND "${verbs}")
    list(TRANSFORM verbs REPLACE ":.*" "") # "create:STREAM,GROUP": the verb
    foreach(verb IN LISTS verbs)
        run_cli(verb_help ${name} ${verb} --help)
        if(NOT verb_help STREQUAL help)
            roff_verbatim(block "${verb_help}")
            string(APPEND doc ".SS \"${name} ${verb}\"\n${block}")
        endif()
    endforeach()
endforeach()
if(count LESS 10)
    message(FATAL_ERROR "${CLI} --completion-words listed ${count} commands: expected them all")
endif()
file(WRITE ${OUTPUT} "${doc}")
