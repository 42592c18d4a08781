//! Named environments: a home of virtual environments (WORKON_HOME, virtualenvwrapper's model),
//! projects (PROJECT_HOME), hooks, and the shell integration scripts `den init` prints.

pub mod shell;
