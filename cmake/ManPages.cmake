# Man pages streamscope(1) and streamscope-cli(1), made at build time by help2man from the built
# programs' own --help and --version, so they say what the programs say. streamscope-cli's page
# also holds every command's --help (cmake/CliCommands.cmake collects them, from the command list
# streamscope-cli --completion-words prints). Gzipped (-9n, as Debian wants), installed to
# share/man/man1. Without help2man (Debian package help2man) there are none, and CMake says so.
#
# Shell completion for streamscope-cli (resources/completion): bash (share/bash-completion/
# completions, where bash-completion looks) and zsh (share/zsh/vendor-completions).

find_program(HELP2MAN_EXECUTABLE help2man)
find_program(GZIP_EXECUTABLE gzip)
if(HELP2MAN_EXECUTABLE AND GZIP_EXECUTABLE)
    set(man_dir ${CMAKE_BINARY_DIR}/man)
    # The programs run while building: offscreen (streamscope's --help needs no display, nor a
    # window system at all); in a sanitizer build (scripts/sanitize.sh) their exit is not a
    # leak check.
    set(run_env QT_QPA_PLATFORM=offscreen ASAN_OPTIONS=detect_leaks=0)
    set(cli_commands ${man_dir}/streamscope-cli.commands.h2m)
    add_custom_command(
        OUTPUT ${cli_commands}
        COMMAND ${CMAKE_COMMAND} -E env ${run_env}
                ${CMAKE_COMMAND} -DCLI=$<TARGET_FILE:streamscope-cli> -DOUTPUT=${cli_commands}
                -P ${PROJECT_SOURCE_DIR}/cmake/CliCommands.cmake
        DEPENDS streamscope-cli ${PROJECT_SOURCE_DIR}/cmake/CliCommands.cmake
        COMMENT "Collecting streamscope-cli's commands' help for its man page"
        VERBATIM)
    # program, description (the NAME line), extra help2man arguments
    set(pages
        "streamscope|live dashboard for Redis Streams|"
        "streamscope-cli|watch and debug Redis Streams from a terminal|--include=${cli_commands}")
    set(outputs)
    foreach(page IN LISTS pages)
        string(REPLACE "|" ";" page "${page}")
        list(GET page 0 program)
        list(GET page 1 description)
        list(GET page 2 extra)
        set(extra_depends)
        if(extra)
            set(extra_depends ${cli_commands})
        endif()
        add_custom_command(
            OUTPUT ${man_dir}/${program}.1.gz
            COMMAND ${CMAKE_COMMAND} -E env ${run_env}
                    ${HELP2MAN_EXECUTABLE} --no-info --section=1
                    --name=${description} ${extra} --output=${man_dir}/${program}.1
                    $<TARGET_FILE:${program}>
            COMMAND ${GZIP_EXECUTABLE} -9nf ${man_dir}/${program}.1
            DEPENDS ${program} ${extra_depends}
            COMMENT "Man page ${program}(1) (help2man)"
            VERBATIM)
        list(APPEND outputs ${man_dir}/${program}.1.gz)
    endforeach()
    add_custom_target(man_pages ALL DEPENDS ${outputs})
    install(FILES ${outputs} DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
else()
    message(WARNING "help2man or gzip not found (Debian: apt-get install help2man): no man "
                    "pages are built or installed; scripts/package.sh refuses to package then")
endif()

install(FILES ${PROJECT_SOURCE_DIR}/resources/completion/streamscope-cli.bash
        DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions
        RENAME streamscope-cli)
install(FILES ${PROJECT_SOURCE_DIR}/resources/completion/_streamscope-cli
        DESTINATION ${CMAKE_INSTALL_DATADIR}/zsh/vendor-completions)
