pub fn run(_args: &[String]) -> xtask::Result<()> {
    Err("not yet".into())
}
