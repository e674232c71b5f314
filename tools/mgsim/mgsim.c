/*
 * mgsim.c - the scenario runner with the built-in apps. A program with apps
 * of its own is this same file with scn_register_app() calls before
 * mgsim_main() (see README.md).
 */
#include "scn.h"

int main(int argc, char **argv) { return mgsim_main(argc, argv); }
