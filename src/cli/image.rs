use clap::{Args, Subcommand};
use clap_complete::ArgValueCandidates;

use super::complete;

#[derive(Debug, Subcommand)]
pub enum ImageCommand {
    /// List images: identifier, state (1 subscribed + 2 available), subscription
    List {
        /// Only the images of this subscription
        #[arg(long, value_name = "SUB", add = ArgValueCandidates::new(complete::subscriptions))]
        subscription: Option<String>,

        /// For people: state in words (cached, selected, available, withdrawn), size,
        /// version, title and subscription
        #[arg(short = 'l', long)]
        long: bool,
    },

    /// Show images as their subscription's current list describes them
    Show {
        #[arg(required = true, value_name = "IMAGE", add = ArgValueCandidates::new(complete::images))]
        images: Vec<String>,
    },

    /// Select images for the cache
    #[command(
        after_help = "Example:\n  vmcatcher image subscribe 488dcdc4-9ab1-4fc8-a7ba-b7a5428ecb3d"
    )]
    Subscribe(ImageSelection),

    /// Deselect images: they leave the cache at the next expire
    Unsubscribe(ImageSelection),
}

#[derive(Debug, Args)]
pub struct ImageSelection {
    /// Image identifier or unique prefix
    #[arg(
        value_name = "IMAGE",
        required_unless_present = "sha512",
        conflicts_with = "sha512",
        add = ArgValueCandidates::new(complete::images)
    )]
    pub images: Vec<String>,

    /// Select by the SHA-512 of an image in any stored list
    #[arg(long, value_name = "HEX", num_args = 1..)]
    pub sha512: Vec<String>,
}
