# A scripted bash/zsh session with den's virtualenvwrapper functions (see shell_integration.rs).
# The test prepends `show_prompt` and `complete_names PREFIX` for the shell at hand and sets
# WORKON_HOME, VIRTUALENVWRAPPER_HOOK_DIR, PROJECT_HOME, TEST_ROOT, TEST_PYTHON and TEST_SHELL.
# Each check prints `ok: ...` or `FAIL: ...`; the session ends with `SESSION DONE`.

failures=0
check() {
    if [ "$2" = "$3" ]; then
        echo "ok: $1"
    else
        echo "FAIL: $1"
        echo "    got:  [$2]"
        echo "    want: [$3]"
        failures=$((failures + 1))
    fi
}
# The hook log, read and emptied.
take_log() {
    cat "$TEST_ROOT/hooks.log" 2>/dev/null
    : >"$TEST_ROOT/hooks.log"
}

W=$WORKON_HOME
LOG=$TEST_ROOT/hooks.log
PS1='PROMPT> '
PATH0=$PATH
START=$PWD

eval "$(den init "$TEST_SHELL")"
check "init defines workon" "$(type workon >/dev/null 2>&1 && echo yes)" "yes"
check "no VIRTUALENVWRAPPER_SCRIPT when evaluated" "${VIRTUALENVWRAPPER_SCRIPT-unset}" "unset"

# Global hooks: run ones log their arguments, sourced ones the active environment and set a
# variable this shell can see afterwards.
mkdir -p "$VIRTUALENVWRAPPER_HOOK_DIR"
logging_run_hook() {
    printf '#!/bin/sh\necho "global %s $*" >>"%s"\n' "$1" "$LOG" >"$VIRTUALENVWRAPPER_HOOK_DIR/$1"
    chmod +x "$VIRTUALENVWRAPPER_HOOK_DIR/$1"
}
for hook in premkvirtualenv prermvirtualenv postrmvirtualenv preactivate precpvirtualenv premkproject get_env_details; do
    logging_run_hook "$hook"
done
for hook in postmkvirtualenv postactivate predeactivate postdeactivate postcpvirtualenv postmkproject; do
    printf 'active=${VIRTUAL_ENV:-/none}\necho "global %s ${active##*/}" >>"%s"\nSOURCED_%s=yes\n' "$hook" "$LOG" "$hook" >"$VIRTUALENVWRAPPER_HOOK_DIR/$hook"
done

# workon with nothing to list: nothing printed, status 1 (as virtualenvwrapper).
out=$(workon); st=$?
check "workon lists nothing" "$out/$st" "/1"

# mkvirtualenv with a name with spaces: created, activated, hooks in virtualenvwrapper's order.
mkvirtualenv -p "$TEST_PYTHON" --without-pip "first env" >/dev/null 2>"$TEST_ROOT/err"
check "mkvirtualenv status" "$?" "0"
check "mkvirtualenv activates" "$VIRTUAL_ENV" "$W/first env"
check "python inside the env" "$(command -v python)" "$W/first env/bin/python"
check "python runs from the env" "$(python -c 'import sys; print(sys.prefix)')" "$W/first env"
check "prompt in the env" "$(show_prompt)" "(first env) PROMPT> "
check "mkvirtualenv hooks" "$(take_log)" "global premkvirtualenv first env
global preactivate first env
global postactivate first env
global postmkvirtualenv first env"
check "postmkvirtualenv was sourced" "${SOURCED_postmkvirtualenv-}" "yes"
for hook in predeactivate postdeactivate preactivate postactivate get_env_details; do
    check "per-env hook file $hook" "$(test -f "$W/first env/bin/$hook" && echo yes)" "yes"
done

# Per-env hooks (appended to the files den made).
printf 'echo "env postactivate ${VIRTUAL_ENV##*/}" >>"%s"\nENV_POSTACTIVATE=yes\n' "$LOG" >>"$W/first env/bin/postactivate"
printf 'echo "env predeactivate ${VIRTUAL_ENV##*/}" >>"%s"\n' "$LOG" >>"$W/first env/bin/predeactivate"
printf 'echo "env postdeactivate ${VIRTUAL_ENV-none} $VIRTUALENVWRAPPER_LAST_VIRTUAL_ENV" >>"%s"\n' "$LOG" >>"$W/first env/bin/postdeactivate"
printf 'echo "env preactivate $*" >>"%s"\n' "$LOG" >>"$W/first env/bin/preactivate"

# deactivate restores PATH and prompt, runs the hooks, and removes itself.
deactivate
check "deactivate restores PATH" "$PATH" "$PATH0"
check "deactivate restores the prompt" "$(show_prompt)" "PROMPT> "
check "deactivate unsets VIRTUAL_ENV" "${VIRTUAL_ENV-unset}" "unset"
check "deactivate is gone" "$(type deactivate >/dev/null 2>&1 || echo gone)" "gone"
check "deactivate hooks" "$(take_log)" "env predeactivate first env
global predeactivate first env
env postdeactivate none $W/first env
global postdeactivate none"
check "last env variable cleared" "${VIRTUALENVWRAPPER_LAST_VIRTUAL_ENV-unset}" "unset"

# workon runs the global then the per-env preactivate (with the name), then the postactivates.
workon "first env"
check "workon activates" "$VIRTUAL_ENV" "$W/first env"
check "workon hooks" "$(take_log)" "global preactivate first env
env preactivate first env
global postactivate first env
env postactivate first env"
check "per-env postactivate was sourced" "${ENV_POSTACTIVATE-}" "yes"

# Switching runs the old environment's deactivate hooks first.
mkvirtualenv -p "$TEST_PYTHON" --without-pip second >/dev/null 2>&1
check "switch by mkvirtualenv" "$VIRTUAL_ENV" "$W/second"
# (den env create runs premkvirtualenv before workon switches, as virtualenvwrapper does.)
check "switching deactivates first" "$(take_log)" "global premkvirtualenv second
env predeactivate first env
global predeactivate first env
env postdeactivate none $W/first env
global postdeactivate none
global preactivate second
global postactivate second
global postmkvirtualenv second"
check "PATH has only the new env" "$PATH" "$W/second/bin:$PATH0"
workon "first env"
check "switch by workon" "$VIRTUAL_ENV|$(command -v python)" "$W/first env|$W/first env/bin/python"
: >"$LOG"

# mkvirtualenv of a name that exists reuses the environment, as virtualenv does: what is in it
# stays, and it is activated with mkvirtualenv's hooks.
touch "$W/second/kept"
mkvirtualenv -p "$TEST_PYTHON" --without-pip second >/dev/null 2>&1
check "mkvirtualenv again" "$?|$VIRTUAL_ENV|$(test -f "$W/second/kept" && echo kept)" "0|$W/second|kept"
check "mkvirtualenv again runs its hooks" "$(grep -c mkvirtualenv "$LOG")" "2"
workon "first env"
: >"$LOG"

# VIRTUALENVWRAPPER_VIRTUALENV names virtualenv's command line with den doing the work, unless
# it is set already; mkvirtualenv still makes environments itself with it.
check "VIRTUALENVWRAPPER_VIRTUALENV" "$VIRTUALENVWRAPPER_VIRTUALENV" "_den_virtualenv"
"$VIRTUALENVWRAPPER_VIRTUALENV" -p "$TEST_PYTHON" --no-pip --no-download --always-copy \
    --no-vcs-ignore "$TEST_ROOT/plain env" >/dev/null 2>&1
check "VIRTUALENVWRAPPER_VIRTUALENV makes an environment" \
    "$?|$("$TEST_ROOT/plain env/bin/python" -c 'import sys; print(sys.prefix)')|$(test -e "$TEST_ROOT/plain env/.gitignore" || echo no-ignore)" \
    "0|$TEST_ROOT/plain env|no-ignore"
check "virtualenvwrapper_verify_virtualenv" "$(virtualenvwrapper_verify_virtualenv && echo found)" "found"
out=$(VIRTUALENVWRAPPER_VIRTUALENV=mine; eval "$(den init "$TEST_SHELL")"; echo "$VIRTUALENVWRAPPER_VIRTUALENV")
check "a VIRTUALENVWRAPPER_VIRTUALENV of your own is kept" "$out" "mine"

# workon with no argument lists the names, status 1.
out=$(workon); st=$?
check "workon lists" "$out/$st" "first env
second/1"
out=$(lsvirtualenv -b)
check "lsvirtualenv -b" "$out" "first env
second"

# Unknown names fail without changing anything.
workon nosuch >/dev/null 2>"$TEST_ROOT/err"
check "workon unknown name fails" "$?" "1"
check "unknown name message" "$(grep -c "does not exist" "$TEST_ROOT/err")" "1"
check "still in first env" "$VIRTUAL_ENV" "$W/first env"

# cd commands.
cdvirtualenv
check "cdvirtualenv" "$PWD" "$W/first env"
cdvirtualenv bin
check "cdvirtualenv subdir" "$PWD" "$W/first env/bin"
cdsitepackages
site=$PWD
check "cdsitepackages" "$(python -c 'import sysconfig; print(sysconfig.get_path("purelib"))')" "$site"
mkdir "$site/pkg_dir"
cd "$START" || exit 1
cdsitepackages pkg_dir
check "cdsitepackages subdir" "$PWD" "$site/pkg_dir"
cd "$START" || exit 1
check "lssitepackages" "$(lssitepackages | grep -c pkg_dir)" "1"
case $TEST_SHELL in
    bash)
        check "cdvirtualenv completion" "$(complete_dirs cdvirtualenv bi)" "bin/"
        check "cdsitepackages completion" "$(complete_dirs cdsitepackages pkg)" "pkg_dir/"
        ;;
    zsh)
        check "cdvirtualenv completion" "$(complete_dirs cdvirtualenv)" "_den_complete_env_dirs"
        check "cdsitepackages completion" "$(complete_dirs cdsitepackages)" "_den_complete_site_dirs"
        ;;
esac

# add2virtualenv puts a directory on the import path.
mkdir -p "$TEST_ROOT/extra lib"
add2virtualenv "$TEST_ROOT/extra lib" >/dev/null 2>&1
check "add2virtualenv status" "$?" "0"
check "add2virtualenv on sys.path" "$(python -c 'import sys; print(sys.argv[1] in sys.path)' "$TEST_ROOT/extra lib")" "True"
check "lssitepackages shows the path file" "$(lssitepackages | grep -c '_virtualenv_path_extensions.pth:')" "1"

# toggleglobalsitepackages flips pyvenv.cfg.
check "toggle on" "$(toggleglobalsitepackages)" "Enabled global site-packages"
check "pyvenv.cfg on" "$(grep -c 'include-system-site-packages = true' "$W/first env/pyvenv.cfg")" "1"
check "toggle off" "$(toggleglobalsitepackages)" "Disabled global site-packages"
toggleglobalsitepackages -q
check "toggle quiet" "$(toggleglobalsitepackages -q)" ""

# The active environment cannot be removed.
rmvirtualenv "first env" >/dev/null 2>&1
check "rmvirtualenv refuses the active env" "$?" "1"
check "active env kept" "$(test -d "$W/first env" && echo yes)" "yes"

# cpvirtualenv: a working copy, activated, with its hooks.
: >"$LOG"
cpvirtualenv "first env" "copy env" >/dev/null 2>&1
check "cpvirtualenv status" "$?" "0"
check "copy activated" "$VIRTUAL_ENV|$(command -v python)" "$W/copy env|$W/copy env/bin/python"
check "copy runs" "$(python -c 'import sys; print(sys.prefix)')" "$W/copy env"
check "cpvirtualenv hooks" "$(grep -E 'precpvirtualenv|postmkvirtualenv|postcpvirtualenv' "$LOG")" "global precpvirtualenv $W/first env copy env
global postmkvirtualenv copy env
global postcpvirtualenv copy env"

# allvirtualenv runs a command in each environment's directory.
out=$(allvirtualenv pwd)
check "allvirtualenv" "$out" "copy env
========
$W/copy env

first env
=========
$W/first env

second
======
$W/second"
check "allvirtualenv keeps the shell" "$PWD|$VIRTUAL_ENV" "$START|$W/copy env"

# Projects.
mkdir -p "$PROJECT_HOME"
: >"$LOG"
mkproject -p "$TEST_PYTHON" --without-pip proj >/dev/null 2>&1
check "mkproject status" "$?" "0"
check "mkproject activates" "$VIRTUAL_ENV" "$W/proj"
check "mkproject cds" "$PWD" "$PROJECT_HOME/proj"
# virtualenvwrapper's order: the environment (mkvirtualenv's hooks), then the project part.
check "mkproject hooks" "$(grep -v deactivate "$LOG")" "global premkvirtualenv proj
global preactivate proj
global postactivate proj
global postmkvirtualenv proj
global premkproject proj
global postmkproject proj"
# An existing project is refused before any environment is made.
mkdir "$PROJECT_HOME/taken"
mkproject -p "$TEST_PYTHON" --without-pip taken >/dev/null 2>"$TEST_ROOT/err"
check "mkproject refuses an existing project" "$?|$(test -e "$W/taken" || echo none)|$VIRTUAL_ENV" "1|none|$W/proj"
check "mkproject existing message" "$(grep -c 'already exists' "$TEST_ROOT/err")" "1"
deactivate
cd "$START" || exit 1
workon proj
check "workon cds to the project" "$PWD" "$PROJECT_HOME/proj"
cd "$START" || exit 1
workon -n proj
check "workon -n stays" "$PWD" "$START"
cdproject
check "cdproject" "$PWD" "$PROJECT_HOME/proj"
cd "$START" || exit 1
VIRTUALENVWRAPPER_WORKON_CD=0 workon proj
check "VIRTUALENVWRAPPER_WORKON_CD=0" "$PWD" "$START"
workon -c proj
check "workon -c" "$PWD" "$PROJECT_HOME/proj"
cd "$START" || exit 1

# setvirtualenvproject binds a directory; cdproject goes there.
mkdir -p "$TEST_ROOT/elsewhere"
workon second
setvirtualenvproject "$W/second" "$TEST_ROOT/elsewhere" >/dev/null 2>&1
check "setvirtualenvproject status" "$?" "0"
cdproject
check "cdproject after setvirtualenvproject" "$PWD" "$TEST_ROOT/elsewhere"
cd "$START" || exit 1

# workon . picks the environment named like the current directory.
mkdir -p "$TEST_ROOT/second"
cd "$TEST_ROOT/second" || exit 1
workon -n "first env"
workon -n .
check "workon ." "$VIRTUAL_ENV" "$W/second"
cd "$START" || exit 1

# mktmpenv: a temporary environment removed on deactivate.
mktmpenv -n -p "$TEST_PYTHON" --without-pip >/dev/null 2>&1
check "mktmpenv status" "$?" "0"
tmp_env=$VIRTUAL_ENV
case $tmp_env in
    "$W"/*) check "mktmpenv in WORKON_HOME" yes yes ;;
    *) check "mktmpenv in WORKON_HOME" "$tmp_env" "$W/..." ;;
esac
deactivate >/dev/null 2>&1
check "mktmpenv removed on deactivate" "$(test -e "$tmp_env" || echo gone)" "gone"
check "tmp env PATH restored" "$PATH" "$PATH0"
# Plain mktmpenv goes into the environment; deactivate leaves it before removing it.
mktmpenv -p "$TEST_PYTHON" --without-pip >/dev/null 2>&1
tmp_env=$VIRTUAL_ENV
check "mktmpenv cds into the env" "$PWD" "$tmp_env"
deactivate >/dev/null 2>&1
check "deactivate leaves the tmp env first" "$PWD|$(test -e "$tmp_env" || echo gone)" "$W|gone"
lsvirtualenv -b >/dev/null 2>&1
check "den works after the tmp env is gone" "$?" "0"
cd "$START" || exit 1

# rmvirtualenv of an inactive environment runs its hooks.
: >"$LOG"
rmvirtualenv second >/dev/null 2>&1
check "rmvirtualenv status" "$?" "0"
check "rmvirtualenv removed" "$(test -e "$W/second" || echo gone)" "gone"
check "rmvirtualenv hooks" "$(grep -c rmvirtualenv "$LOG")" "2"

# den workon / den deactivate act on this shell.
den workon "copy env"
check "den workon" "$VIRTUAL_ENV" "$W/copy env"
den deactivate
check "den deactivate" "${VIRTUAL_ENV-unset}|$PATH" "unset|$PATH0"

# showvirtualenv and lsvirtualenv -l run get_env_details (global, then the env's own).
: >"$LOG"
printf 'echo "env get_env_details $*" >>"%s"\n' "$LOG" >>"$W/first env/bin/get_env_details"
check "showvirtualenv prints the hooks' output" "$(showvirtualenv "first env")" ""
: >"$LOG"
showvirtualenv "first env" >/dev/null
check "showvirtualenv hooks" "$(take_log)" "global get_env_details first env
env get_env_details first env"
lsvirtualenv -l >/dev/null
check "lsvirtualenv -l hooks" "$(take_log)" "global get_env_details copy env
global get_env_details first env
env get_env_details first env
global get_env_details proj"

# A failing pre-hook stops the command: nothing created, nothing activated.
printf '#!/bin/sh\nexit 3\n' >"$VIRTUALENVWRAPPER_HOOK_DIR/premkvirtualenv"
mkvirtualenv -p "$TEST_PYTHON" --without-pip blocked >/dev/null 2>&1
check "failing premkvirtualenv fails" "$([ $? -ne 0 ] && echo failed)" "failed"
check "failing premkvirtualenv creates nothing" "$(test -e "$W/blocked" || echo none)|${VIRTUAL_ENV-unset}" "none|unset"
logging_run_hook premkvirtualenv
printf 'exit 4\n' >>"$W/proj/bin/preactivate"
workon proj >/dev/null 2>&1
check "failing preactivate stops workon" "$?|${VIRTUAL_ENV-unset}" "4|unset"

# Bad names.
mkvirtualenv "a/b" >/dev/null 2>&1
check "name with a slash" "$?|$(test -e "$W/a" || echo none)" "1|none"

# rmvirtualenv from inside the removed environment leaves the shell in WORKON_HOME.
mkvirtualenv -p "$TEST_PYTHON" --without-pip doomed >/dev/null 2>&1
cdvirtualenv bin
deactivate
rmvirtualenv doomed >/dev/null 2>&1
check "rmvirtualenv from inside" "$PWD" "$W"
cd "$START" || exit 1

# Completion of environment names.
case $TEST_SHELL in
    bash)
        check "completion registered" "$(completion_function)" "complete -F _den_complete_envs workon"
        check "completion escapes spaces" "$(complete_words fir)" 'first\ env'
        check "completion after a quote" "$(complete_words '"fir')" 'first env'
        ;;
    zsh) check "completion registered" "$(completion_function)" "_den_complete_envs" ;;
esac
check "completion" "$(complete_names fir)" "first env"
check "completion of all" "$(complete_names '')" "copy env
first env
proj"
case $TEST_SHELL in
    bash)
        check "den workon completion" "$(complete_den workon fir)" 'first\ env'
        check "den env remove completion" "$(complete_den env remove co)" 'copy\ env'
        check "den env list: its options" "$(complete_den env list --b)" "--brief"
        check "den commands" "$(complete_den pi)" "pip
pipenv"
        check "den pip install options" "$(complete_den pip install --no-ca)" "--no-cache-dir"
        check "den completion stays den's" "$(complete -p den)" \
            "complete -o bashdefault -o default -F _den_complete_den den"
        ;;
    zsh)
        check "den workon completion" "$(complete_den workon)" "copy env
first env
proj"
        check "den env copy completion" "$(complete_den env copy)" "copy env
first env
proj"
        # Elsewhere clap_complete's `_den` (built on `_arguments`, which only a real
        # completion can run) is loaded, and den's function stays registered.
        complete_den env list >/dev/null 2>&1
        check "den env list: den's completion loaded" "${+functions[_den]}|${_comps[den]}" \
            "1|_den_complete_den"
        ;;
esac

# A name starting with `-`: after `--` for mkvirtualenv, as is for workon and rmvirtualenv.
mkvirtualenv -p "$TEST_PYTHON" --without-pip -- -x >/dev/null 2>&1
check "mkvirtualenv -- -x" "$?|${VIRTUAL_ENV-unset}" "0|$W/-x"
deactivate
workon -x
check "workon -x" "${VIRTUAL_ENV-unset}" "$W/-x"
den workon "first env"
den workon -x
check "den workon -x" "${VIRTUAL_ENV-unset}" "$W/-x"
showvirtualenv -x >/dev/null 2>&1
check "showvirtualenv -x" "$?" "0"
deactivate
rmvirtualenv -x >/dev/null 2>&1
check "rmvirtualenv -x" "$?|$(test -e "$W/-x" || echo gone)" "0|gone"

# Loaded by sourcing a file named virtualenvwrapper.sh (den standing in for virtualenvwrapper's
# script), VIRTUALENVWRAPPER_SCRIPT names that file; a value of your own is kept.
mkdir -p "$TEST_ROOT/vw"
printf 'eval "$(den init %s)"\n' "$TEST_SHELL" >"$TEST_ROOT/vw/virtualenvwrapper.sh"
out=$(cd "$TEST_ROOT" && . vw/virtualenvwrapper.sh && echo "$VIRTUALENVWRAPPER_SCRIPT")
check "VIRTUALENVWRAPPER_SCRIPT" "$out" "$TEST_ROOT/vw/virtualenvwrapper.sh"
out=$(VIRTUALENVWRAPPER_SCRIPT=/mine; . "$TEST_ROOT/vw/virtualenvwrapper.sh"; echo "$VIRTUALENVWRAPPER_SCRIPT")
check "a VIRTUALENVWRAPPER_SCRIPT of your own is kept" "$out" "/mine"

# Project templates: virtualenvwrapper's plugins (entry points in the group
# virtualenvwrapper.project.template) of VIRTUALENVWRAPPER_PYTHON, here a distribution on
# PYTHONPATH; -h lists them, -t runs one in the new project with [name, directory].
TPL="$TEST_ROOT/templates"
mkdir -p "$TPL/stamp_tpl-1.0.dist-info"
printf 'def stamp(args):\n    """Writes STAMP."""\n    open("STAMP", "w").write(" ".join(args))\n' >"$TPL/stamp_tpl.py"
printf 'Metadata-Version: 2.1\nName: stamp-tpl\nVersion: 1.0\n' >"$TPL/stamp_tpl-1.0.dist-info/METADATA"
printf '[virtualenvwrapper.project.template]\nstamp = stamp_tpl:stamp\n' >"$TPL/stamp_tpl-1.0.dist-info/entry_points.txt"
export PYTHONPATH="$TPL" VIRTUALENVWRAPPER_PYTHON="$TEST_PYTHON"
check "mkproject -h lists templates" "$(mkproject -h | grep -c '^  stamp      -- Writes STAMP.$')" "1"
out=$(mkproject -t stamp -p "$TEST_PYTHON" --without-pip tproj 2>&1; echo "status $?")
check "mkproject -t applies the template" "$(printf '%s\n' "$out" | grep -c '^Applying template stamp$\|^status 0$')|$(cat "$PROJECT_HOME/tproj/STAMP")" "2|tproj $PROJECT_HOME/tproj"
mkproject -t nosuch -p "$TEST_PYTHON" --without-pip tproj2 >/dev/null 2>"$TEST_ROOT/err"
check "mkproject -t of an unknown template" "$?|$(grep -c 'no project template named nosuch' "$TEST_ROOT/err")" "1|1"
deactivate
unset PYTHONPATH VIRTUALENVWRAPPER_PYTHON

# Options only virtualenv knows go to the creator (den venv): --copies makes a copied python.
mkvirtualenv -p "$TEST_PYTHON" --without-pip --copies copied >/dev/null 2>"$TEST_ROOT/err"
check "mkvirtualenv --copies" "$?|${VIRTUAL_ENV-unset}|$(test -L "$W/copied/bin/python" || echo copied)" "0|$W/copied|copied"
deactivate
rmvirtualenv copied >/dev/null 2>&1

echo "SESSION DONE failures=$failures"
