// The runner hands the main step's saved state to the post step as STATE_<name>. Without a profile
// there is nothing to undo: the step then exits without loading the cleanup code (most runs).
if (process.env['STATE_profile-dir'] || process.env['STATE_refresher-pid']) {
  void import('./cleanup').then(({ runPost }) => runPost())
}
