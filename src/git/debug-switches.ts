/**
 * DEBUG=* (or simple-git*) would make simple-git's bundled `debug` print every git process's
 * environment, the credential included. Nothing in this tool is debugged that way (IMAGE_BUMP_DEBUG is
 * ours), so the switch is removed before any bundled library reads it: imported ahead of simple-git.
 */
delete process.env.DEBUG;
