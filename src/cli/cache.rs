use std::path::PathBuf;

use clap::{Args, ValueEnum};

#[derive(Debug, Args)]
pub struct CacheArgs {
    /// Steps to take, always in the order expire, check, download (default: expire and
    /// download; download implies expire); `list` prints what is cached
    #[arg(value_enum, value_name = "ACTION")]
    pub actions: Vec<CacheAction>,

    #[command(flatten)]
    pub dirs: CacheDirArgs,

    /// Shell command run for every event of this run [env: VMCATCHER_CACHE_EVENT]
    #[arg(short = 'x', long, value_name = "CMD")]
    pub execute: Option<String>,

    /// Reset the download tries of these images (that gave up after cache.max_tries)
    /// and download them again now
    #[arg(long, value_name = "IMAGE", num_args = 1..)]
    pub retry: Vec<String>,

    /// Print what would be done (downloads with sizes, expiries with reasons) and change
    /// nothing: no database write, no file moved, no event
    #[arg(short = 'n', long)]
    pub dry_run: bool,
}

/// Where the cache lives (also `sync`).
#[derive(Debug, Args, Clone, Default)]
pub struct CacheDirArgs {
    /// Directory of verified images [env: VMCATCHER_CACHE_DIR_CACHE]
    #[arg(long, value_name = "DIR")]
    pub cache_dir: Option<PathBuf>,

    /// Directory of downloads in progress (default: beside the cache directory; inside it when that comes from VMCATCHER_CACHE_DIR_CACHE, as in 0.6.3) [env: VMCATCHER_CACHE_DIR_DOWNLOAD]
    #[arg(long, value_name = "DIR")]
    pub partial_dir: Option<PathBuf>,

    /// Directory of expired images (default: beside the cache directory; inside it when that comes from VMCATCHER_CACHE_DIR_CACHE, as in 0.6.3) [env: VMCATCHER_CACHE_DIR_EXPIRE]
    #[arg(long, value_name = "DIR")]
    pub expired_dir: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CacheAction {
    /// Fetch selected images that are not cached yet
    Download,
    /// Recompute size and SHA-512 of every cached file
    Check,
    /// Move images that are no longer wanted to the expired directory
    Expire,
    /// Print what is cached: id, size, subscription, state, path
    List,
}

#[derive(Debug, Args)]
pub struct SyncArgs {
    #[command(flatten)]
    pub dirs: CacheDirArgs,

    /// Shell command run for every event of this run [env: VMCATCHER_CACHE_EVENT]
    #[arg(short = 'x', long, value_name = "CMD")]
    pub execute: Option<String>,

    /// Fetch and verify every list, then print what the update and the cache would do
    /// (lists withdrawn, images downloaded and expired) and change nothing: no database
    /// write, no file moved, no event
    #[arg(short = 'n', long)]
    pub dry_run: bool,
}
