# Activates the den virtual environment for PowerShell. It must be dot-sourced:
# `. bin/activate.ps1`. `deactivate` undoes every change it makes.

function global:deactivate([switch] $NonDestructive) {
    if (Test-Path variable:global:_OLD_VIRTUAL_PATH) {
        $env:PATH = $global:_OLD_VIRTUAL_PATH
        Remove-Variable -Name _OLD_VIRTUAL_PATH -Scope Global
    }
    if (Test-Path variable:global:_OLD_VIRTUAL_PYTHONHOME) {
        $env:PYTHONHOME = $global:_OLD_VIRTUAL_PYTHONHOME
        Remove-Variable -Name _OLD_VIRTUAL_PYTHONHOME -Scope Global
    }
    if (Test-Path function:global:_den_old_prompt) {
        Set-Item -Path function:global:prompt -Value (Get-Item function:global:_den_old_prompt).ScriptBlock
        Remove-Item -Path function:global:_den_old_prompt
    }
    Remove-Item -Path env:VIRTUAL_ENV -ErrorAction SilentlyContinue
    Remove-Item -Path env:VIRTUAL_ENV_PROMPT -ErrorAction SilentlyContinue
    if (-not $NonDestructive) {
        Remove-Item -Path function:global:deactivate
    }
}

# Leave any environment activated before, keeping the `deactivate` function.
deactivate -NonDestructive

$env:VIRTUAL_ENV = {{VIRTUAL_ENV}}
$env:VIRTUAL_ENV_PROMPT = {{PROMPT}}

$global:_OLD_VIRTUAL_PATH = $env:PATH
$env:PATH = (Join-Path -Path $env:VIRTUAL_ENV -ChildPath {{BIN_NAME}}) + [System.IO.Path]::PathSeparator + $env:PATH

if (Test-Path env:PYTHONHOME) {
    $global:_OLD_VIRTUAL_PYTHONHOME = $env:PYTHONHOME
    Remove-Item -Path env:PYTHONHOME
}

if (-not $env:VIRTUAL_ENV_DISABLE_PROMPT -and (Test-Path function:global:prompt)) {
    Set-Item -Path function:global:_den_old_prompt -Value (Get-Item function:global:prompt).ScriptBlock
    function global:prompt {
        "($env:VIRTUAL_ENV_PROMPT) " + (& _den_old_prompt)
    }
}
