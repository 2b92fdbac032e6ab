# streamscope_git_commit(OUT SOURCE_DIR GIT_EXECUTABLE): the short commit of SOURCE_DIR in OUT,
# "unknown" without git or a repository. Used at configure time (cmake/Version.cmake: the
# package's version) and at build time (cmake/WriteCommit.cmake: what --version prints).
function(streamscope_git_commit out source_dir git)
    set(commit unknown)
    if(git)
        execute_process(COMMAND ${git} rev-parse --short=7 HEAD
                        WORKING_DIRECTORY ${source_dir}
                        OUTPUT_VARIABLE read OUTPUT_STRIP_TRAILING_WHITESPACE
                        ERROR_QUIET RESULT_VARIABLE failed)
        if(NOT failed AND read)
            set(commit ${read})
        endif()
    endif()
    set(${out} ${commit} PARENT_SCOPE)
endfunction()
