# A scripted fish session with den's virtualenvwrapper functions (see shell_integration.rs).
# The test sets WORKON_HOME, VIRTUALENVWRAPPER_HOOK_DIR, PROJECT_HOME, TEST_ROOT and
# TEST_PYTHON. Each check prints `ok: ...` or `FAIL: ...`; the session ends with `SESSION DONE`.

set -g failures 0
function check --argument-names what got want
    if test "$got" = "$want"
        echo "ok: $what"
    else
        echo "FAIL: $what"
        echo "    got:  [$got]"
        echo "    want: [$want]"
        set -g failures (math $failures + 1)
    end
end
# The hook log, read and emptied.
function take_log
    cat $TEST_ROOT/hooks.log 2>/dev/null
    echo -n >$TEST_ROOT/hooks.log
end

set -g W $WORKON_HOME
set -g LOG $TEST_ROOT/hooks.log
set -g PATH0 (string join : $PATH)
set -g START $PWD
function fish_prompt
    echo -n 'PROMPT> '
end

den init fish | source
check "init defines workon" (functions -q workon; and echo yes) yes

# Global hooks: run ones (sh scripts) log their arguments; sourced ones are fish code in
# HOOK.fish, logging the active environment and setting a global variable.
mkdir -p $VIRTUALENVWRAPPER_HOOK_DIR
function logging_run_hook --argument-names hook
    printf '#!/bin/sh\necho "global %s $*" >>"%s"\n' $hook $LOG >$VIRTUALENVWRAPPER_HOOK_DIR/$hook
    chmod +x $VIRTUALENVWRAPPER_HOOK_DIR/$hook
end
for hook in premkvirtualenv prermvirtualenv postrmvirtualenv preactivate precpvirtualenv premkproject get_env_details
    logging_run_hook $hook
end
for hook in postmkvirtualenv postactivate predeactivate postdeactivate postcpvirtualenv postmkproject
    printf 'set -l active none\nset -q VIRTUAL_ENV; and set active (string replace -r ".*/" "" -- $VIRTUAL_ENV)\necho "global %s $active" >>"%s"\nset -g SOURCED_%s yes\n' $hook $LOG $hook >$VIRTUALENVWRAPPER_HOOK_DIR/$hook.fish
end

set -l out (workon)
check "workon lists nothing" "$out/$status" /1

mkvirtualenv -p $TEST_PYTHON --without-pip "first env" >/dev/null 2>$TEST_ROOT/err
check "mkvirtualenv status" $status 0
check "mkvirtualenv activates" "$VIRTUAL_ENV" "$W/first env"
check "python inside the env" (command -v python) "$W/first env/bin/python"
check "python runs from the env" (python -c 'import sys; print(sys.prefix)') "$W/first env"
check "prompt in the env" (fish_prompt) "(first env) PROMPT> "
check "mkvirtualenv hooks" (take_log | string collect) "global premkvirtualenv first env
global preactivate first env
global postactivate first env
global postmkvirtualenv first env"
check "postmkvirtualenv was sourced" "$SOURCED_postmkvirtualenv" yes

# Per-env hooks: fish code appended to the files den made (their header is only comments).
printf 'echo "env postactivate "(string replace -r ".*/" "" -- $VIRTUAL_ENV) >>"%s"\nset -g ENV_POSTACTIVATE yes\n' $LOG >>"$W/first env/bin/postactivate"
printf 'echo "env predeactivate "(string replace -r ".*/" "" -- $VIRTUAL_ENV) >>"%s"\n' $LOG >>"$W/first env/bin/predeactivate"
printf 'set -q VIRTUAL_ENV; or echo "env postdeactivate none $VIRTUALENVWRAPPER_LAST_VIRTUAL_ENV" >>"%s"\n' $LOG >>"$W/first env/bin/postdeactivate"
# den wrote this run hook with `#!$SHELL`, so it is fish code here, as with virtualenvwrapper.
printf 'echo "env preactivate $argv" >>"%s"\n' $LOG >>"$W/first env/bin/preactivate"

deactivate
check "deactivate restores PATH" (string join : $PATH) "$PATH0"
check "deactivate restores the prompt" (fish_prompt) "PROMPT> "
check "deactivate unsets VIRTUAL_ENV" (set -q VIRTUAL_ENV; or echo unset) unset
check "deactivate is gone" (functions -q deactivate; or echo gone) gone
check "deactivate hooks" (take_log | string collect) "env predeactivate first env
global predeactivate first env
env postdeactivate none $W/first env
global postdeactivate none"

workon "first env"
check "workon activates" "$VIRTUAL_ENV" "$W/first env"
check "workon hooks" (take_log | string collect) "global preactivate first env
env preactivate first env
global postactivate first env
env postactivate first env"
check "per-env postactivate was sourced" "$ENV_POSTACTIVATE" yes

mkvirtualenv -p $TEST_PYTHON --without-pip second >/dev/null 2>&1
check "switch by mkvirtualenv" "$VIRTUAL_ENV" "$W/second"
# (den env create runs premkvirtualenv before workon switches, as virtualenvwrapper does.)
check "switching deactivates first" (take_log | string collect) "global premkvirtualenv second
env predeactivate first env
global predeactivate first env
env postdeactivate none $W/first env
global postdeactivate none
global preactivate second
global postactivate second
global postmkvirtualenv second"
check "PATH has only the new env" (string join : $PATH) "$W/second/bin:$PATH0"
workon "first env"
check "switch by workon" "$VIRTUAL_ENV|"(command -v python) "$W/first env|$W/first env/bin/python"
echo -n >$LOG

workon >$TEST_ROOT/out
check "workon lists status" $status 1
check "workon lists" (string collect <$TEST_ROOT/out) "first env
second"

workon nosuch >/dev/null 2>$TEST_ROOT/err
check "workon unknown name fails" $status 1
check "unknown name message" (grep -c "does not exist" $TEST_ROOT/err) 1
check "still in first env" "$VIRTUAL_ENV" "$W/first env"

cdvirtualenv
check cdvirtualenv "$PWD" "$W/first env"
cdvirtualenv bin
check "cdvirtualenv subdir" "$PWD" "$W/first env/bin"
cdsitepackages
set -l site $PWD
check cdsitepackages (python -c 'import sysconfig; print(sysconfig.get_path("purelib"))') "$site"
mkdir $site/pkg_dir
cd $START
check lssitepackages (lssitepackages | grep -c pkg_dir) 1
check "cdvirtualenv completion" (complete -C 'cdvirtualenv bi' | string collect) bin/
check "cdsitepackages completion" (complete -C 'cdsitepackages pkg' | string collect) pkg_dir/

mkdir -p "$TEST_ROOT/extra lib"
add2virtualenv "$TEST_ROOT/extra lib" >/dev/null 2>&1
check "add2virtualenv status" $status 0
check "add2virtualenv on sys.path" (python -c 'import sys; print(sys.argv[1] in sys.path)' "$TEST_ROOT/extra lib") True

check "toggle on" (toggleglobalsitepackages) "Enabled global site-packages"
check "toggle off" (toggleglobalsitepackages) "Disabled global site-packages"

rmvirtualenv "first env" >/dev/null 2>&1
check "rmvirtualenv refuses the active env" $status 1
check "active env kept" (test -d "$W/first env"; and echo yes) yes

echo -n >$LOG
cpvirtualenv "first env" "copy env" >/dev/null 2>&1
check "cpvirtualenv status" $status 0
check "copy activated" "$VIRTUAL_ENV|"(command -v python) "$W/copy env|$W/copy env/bin/python"
check "cpvirtualenv hooks" (grep -E 'precpvirtualenv|postmkvirtualenv|postcpvirtualenv' $LOG | string collect) "global precpvirtualenv $W/first env copy env
global postmkvirtualenv copy env
global postcpvirtualenv copy env"

check allvirtualenv (allvirtualenv pwd | string collect) "copy env
========
$W/copy env

first env
=========
$W/first env

second
======
$W/second"
check "allvirtualenv keeps the shell" "$PWD|$VIRTUAL_ENV" "$START|$W/copy env"

mkdir -p $PROJECT_HOME
echo -n >$LOG
mkproject -p $TEST_PYTHON --without-pip proj >/dev/null 2>&1
check "mkproject status" $status 0
check "mkproject activates" "$VIRTUAL_ENV" "$W/proj"
check "mkproject cds" "$PWD" "$PROJECT_HOME/proj"
# virtualenvwrapper's order: the environment (mkvirtualenv's hooks), then the project part.
check "mkproject hooks" (grep -v deactivate $LOG | string collect) "global premkvirtualenv proj
global preactivate proj
global postactivate proj
global postmkvirtualenv proj
global premkproject proj
global postmkproject proj"
# An existing project is refused before any environment is made.
mkdir $PROJECT_HOME/taken
mkproject -p $TEST_PYTHON --without-pip taken >/dev/null 2>$TEST_ROOT/err
set st $status
check "mkproject refuses an existing project" "$st|"(test -e $W/taken; or echo none)"|$VIRTUAL_ENV" "1|none|$W/proj"
check "mkproject existing message" (grep -c 'already exists' $TEST_ROOT/err) 1
deactivate
cd $START
workon proj
check "workon cds to the project" "$PWD" "$PROJECT_HOME/proj"
cd $START
workon -n proj
check "workon -n stays" "$PWD" "$START"
cdproject
check cdproject "$PWD" "$PROJECT_HOME/proj"
cd $START

mkdir -p $TEST_ROOT/elsewhere
workon second
setvirtualenvproject "$W/second" $TEST_ROOT/elsewhere >/dev/null 2>&1
check "setvirtualenvproject status" $status 0
cdproject
check "cdproject after setvirtualenvproject" "$PWD" "$TEST_ROOT/elsewhere"
cd $START

# VIRTUALENVWRAPPER_PROJECT_FILENAME names the file linking an environment to its project.
set -gx VIRTUALENVWRAPPER_PROJECT_FILENAME .other-project
cdproject 2>$TEST_ROOT/err
set -l cdproject_status $status
check "cdproject without the named file" "$cdproject_status|"(cat $TEST_ROOT/err) "1|No project set in $W/second/.other-project"
setvirtualenvproject "$W/second" $START >/dev/null 2>&1
cdproject
check "cdproject reads the named file" "$PWD|"(cat "$W/second/.other-project") "$START|$START"
set -e VIRTUALENVWRAPPER_PROJECT_FILENAME

mkdir -p $TEST_ROOT/second
cd $TEST_ROOT/second
workon -n "first env"
workon -n .
check "workon ." "$VIRTUAL_ENV" "$W/second"
cd $START

mktmpenv -n -p $TEST_PYTHON --without-pip >/dev/null 2>&1
check "mktmpenv status" $status 0
set -l tmp_env $VIRTUAL_ENV
check "mktmpenv in WORKON_HOME" (string match -q -- "$W/*" $tmp_env; and echo yes) yes
deactivate >/dev/null 2>&1
check "mktmpenv removed on deactivate" (test -e "$tmp_env"; or echo gone) gone
check "tmp env PATH restored" (string join : $PATH) "$PATH0"
# Plain mktmpenv goes into the environment; deactivate leaves it before removing it.
mktmpenv -p $TEST_PYTHON --without-pip >/dev/null 2>&1
set tmp_env $VIRTUAL_ENV
check "mktmpenv cds into the env" "$PWD" "$tmp_env"
deactivate >/dev/null 2>&1
check "deactivate leaves the tmp env first" "$PWD|"(test -e "$tmp_env"; or echo gone) "$W|gone"
lsvirtualenv -b >/dev/null 2>&1
check "den works after the tmp env is gone" $status 0
cd $START

echo -n >$LOG
rmvirtualenv second >/dev/null 2>&1
check "rmvirtualenv status" $status 0
check "rmvirtualenv removed" (test -e "$W/second"; or echo gone) gone
check "rmvirtualenv hooks" (grep -c rmvirtualenv $LOG) 2

den workon "copy env"
check "den workon" "$VIRTUAL_ENV" "$W/copy env"
den deactivate
check "den deactivate" (set -q VIRTUAL_ENV; or echo unset)"|"(string join : $PATH) "unset|$PATH0"

echo -n >$LOG
printf 'echo "env get_env_details $argv" >>"%s"\n' $LOG >>"$W/first env/bin/get_env_details"
check "showvirtualenv prints the hooks' output" (showvirtualenv "first env" | string collect) ""
echo -n >$LOG
showvirtualenv "first env" >/dev/null
check "showvirtualenv hooks" (take_log | string collect) "global get_env_details first env
env get_env_details first env"
lsvirtualenv -l >/dev/null
check "lsvirtualenv -l hooks" (take_log | string collect) "global get_env_details copy env
global get_env_details first env
env get_env_details first env
global get_env_details proj"

printf '#!/bin/sh\nexit 3\n' >$VIRTUALENVWRAPPER_HOOK_DIR/premkvirtualenv
mkvirtualenv -p $TEST_PYTHON --without-pip blocked >/dev/null 2>&1
check "failing premkvirtualenv fails" (test $status -ne 0; and echo failed) failed
check "failing premkvirtualenv creates nothing" (test -e "$W/blocked"; or echo none)"|"(set -q VIRTUAL_ENV; or echo unset) "none|unset"
logging_run_hook premkvirtualenv
printf 'exit 4\n' >>"$W/proj/bin/preactivate"
workon proj >/dev/null 2>&1
set st $status
check "failing preactivate stops workon" "$st|"(set -q VIRTUAL_ENV; or echo unset) "4|unset"

mkvirtualenv "a/b" >/dev/null 2>&1
set st $status
check "name with a slash" "$st|"(test -e "$W/a"; or echo none) "1|none"

mkvirtualenv -p $TEST_PYTHON --without-pip doomed >/dev/null 2>&1
cdvirtualenv bin
deactivate
rmvirtualenv doomed >/dev/null 2>&1
check "rmvirtualenv from inside" "$PWD" "$W"
cd $START

check completion (complete -C 'workon fir' | string collect) "first env"
check "completion of all" (complete -C 'workon ' | string collect) "copy env
first env
proj"
check "den workon completion" (complete -C 'den workon fir' | string collect) "first env"
check "den env remove completion" (complete -C 'den env remove co' | string collect) "copy env"
check "den env show completion" (complete -C 'den env show ' | string collect) "copy env
first env
proj"
check "den commands" (complete -C 'den pi' | string replace -r '\t.*' '' | string collect) "pip
pipenv"
check "den commands again" (complete -C 'den pi' | string replace -r '\t.*' '' | string collect) "pip
pipenv"
check "den pip install options" (complete -C 'den pip install --no-ca' | string replace -r '\t.*' '' | string collect) --no-cache-dir

# A name starting with `-`: after `--` for mkvirtualenv, as is for workon and rmvirtualenv.
mkvirtualenv -p $TEST_PYTHON --without-pip -- -x >/dev/null 2>&1
set st $status
check "mkvirtualenv -- -x" "$st|$VIRTUAL_ENV" "0|$W/-x"
deactivate
workon -x
check "workon -x" "$VIRTUAL_ENV" "$W/-x"
den workon "first env"
den workon -x
check "den workon -x" "$VIRTUAL_ENV" "$W/-x"
showvirtualenv -x >/dev/null 2>&1
check "showvirtualenv -x" $status 0
deactivate
rmvirtualenv -x >/dev/null 2>&1
set st $status
check "rmvirtualenv -x" "$st|"(test -e "$W/-x"; or echo gone) "0|gone"

# Project templates: virtualenvwrapper's plugins (entry points in the group
# virtualenvwrapper.project.template) of VIRTUALENVWRAPPER_PYTHON, here a distribution on
# PYTHONPATH; -h lists them, -t runs one in the new project with [name, directory].
set -l TPL $TEST_ROOT/templates
mkdir -p $TPL/stamp_tpl-1.0.dist-info
printf 'def stamp(args):\n    """Writes STAMP."""\n    open("STAMP", "w").write(" ".join(args))\n' >$TPL/stamp_tpl.py
printf 'Metadata-Version: 2.1\nName: stamp-tpl\nVersion: 1.0\n' >$TPL/stamp_tpl-1.0.dist-info/METADATA
printf '[virtualenvwrapper.project.template]\nstamp = stamp_tpl:stamp\n' >$TPL/stamp_tpl-1.0.dist-info/entry_points.txt
set -gx PYTHONPATH $TPL
set -gx VIRTUALENVWRAPPER_PYTHON $TEST_PYTHON
check "mkproject -h lists templates" (mkproject -h | grep -c '^  stamp      -- Writes STAMP.$') 1
set out (mkproject -t stamp -p $TEST_PYTHON --without-pip tproj 2>&1; echo "status $status")
check "mkproject -t applies the template" (printf '%s\n' $out | grep -c '^Applying template stamp$\|^status 0$')"|"(cat $PROJECT_HOME/tproj/STAMP) "2|tproj $PROJECT_HOME/tproj"
mkproject -t nosuch -p $TEST_PYTHON --without-pip tproj2 >/dev/null 2>$TEST_ROOT/err
set st $status
check "mkproject -t of an unknown template" "$st|"(grep -c 'no project template named nosuch' $TEST_ROOT/err) "1|1"
deactivate
set -e PYTHONPATH
set -e VIRTUALENVWRAPPER_PYTHON

echo "SESSION DONE failures=$failures"
