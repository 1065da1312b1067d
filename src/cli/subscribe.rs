use std::path::PathBuf;

use clap::{Args, Subcommand, ValueEnum};
use clap_complete::ArgValueCandidates;

use super::complete;

#[derive(Debug, Subcommand)]
pub enum SubscribeCommand {
    /// Subscribe to an image list or an OCI registry repository: fetch, verify and import it before storing anything
    #[command(
        after_help = "Examples:\n  vmcatcher subscribe add https://example.org/image.list --auto-endorse\n  vmcatcher subscribe add https://vo.example.org/list --new-images subscribe \\\n      --username site --password-file /etc/vmcatcher/vo.password\n  vmcatcher subscribe add oci://registry.egi.eu/egi_vm_images/ubuntu --tag-pattern '^[^-]*$'\n\nRegistry sources are described in docs/oci.md."
    )]
    Add {
        /// URL of the signed list (https, http or file; several lists at once share the
        /// options), or one oci://HOST/PROJECT/REPOSITORY or harbor://HOST/PROJECT
        #[arg(required = true, value_name = "URL")]
        urls: Vec<String>,

        /// Create and link the signer as an endorser when it is not known yet
        #[arg(long)]
        auto_endorse: bool,

        #[command(flatten)]
        settings: SubscriptionSettings,

        #[command(flatten)]
        registry: RegistryArgs,
    },

    /// List subscriptions: identifier, authorised, trust anchors, URL
    List,

    /// Show subscriptions and their current lists
    #[command(
        after_help = "-f message prints the verified signed content (re-verified now);\n-f smime prints the stored signed message byte for byte."
    )]
    Show {
        /// Subscription identifier or URL, or a unique prefix of either
        #[arg(required = true, value_name = "SUB", add = ArgValueCandidates::new(complete::subscriptions))]
        subscriptions: Vec<String>,
    },

    /// Fetch and verify lists again and import the ones that changed
    #[command(
        after_help = "Exit code: 0 when every subscription updated, else the code of the last\nfailure (10 fetch, 11 signature, 12 signer mismatch, 13 not authorised,\n17 lower version, 31 identifier changed, 33 created in the future, 34 expired,\n38 not an image list)."
    )]
    Update {
        /// Subscriptions to update (default: all)
        #[arg(value_name = "SUB", add = ArgValueCandidates::new(complete::subscriptions))]
        subscriptions: Vec<String>,

        /// Shell command run for every event of this run [env: VMCATCHER_SUB_EVENT]
        #[arg(short = 'x', long, value_name = "CMD")]
        execute: Option<String>,
    },

    /// Change how a subscription is fetched and what happens to new images
    Set {
        /// Subscription identifier or URL, or a unique prefix of either
        #[arg(value_name = "SUB", add = ArgValueCandidates::new(complete::subscriptions))]
        subscription: String,

        #[command(flatten)]
        settings: SubscriptionSettings,

        /// Fetch the list from this URL from now on (e.g. after the list moved its hv:uri)
        #[arg(long, value_name = "URL")]
        url: Option<String>,

        /// Forget the stored user name and password
        #[arg(long, conflicts_with_all = ["username", "password_file"])]
        clear_credentials: bool,

        /// oci:// and harbor:// only: whether a tag may move back to a digest it had before
        #[arg(long, value_name = "BOOL")]
        allow_rollback: Option<bool>,
    },

    /// Pre-approve image identifiers for a subscription (also ones not yet listed)
    Accept {
        #[arg(value_name = "SUB", add = ArgValueCandidates::new(complete::subscriptions))]
        subscription: String,
        /// Image identifiers of the subscription, or unique prefixes
        #[arg(required = true, value_name = "IMAGE", add = ArgValueCandidates::new(complete::images))]
        images: Vec<String>,
        /// Take a full identifier that matches no known image as one a later list will bring
        #[arg(long)]
        not_yet_listed: bool,
    },

    /// Refuse image identifiers: they are not registered nor announced again
    Refuse {
        #[arg(value_name = "SUB", add = ArgValueCandidates::new(complete::subscriptions))]
        subscription: String,
        /// Image identifiers of the subscription, or unique prefixes
        #[arg(required = true, value_name = "IMAGE", add = ArgValueCandidates::new(complete::images))]
        images: Vec<String>,
        /// Take a full identifier that matches no known image as one a later list will bring
        #[arg(long)]
        not_yet_listed: bool,
    },

    /// Delete subscriptions with their lists and images
    Delete {
        #[arg(required = true, value_name = "SUB", add = ArgValueCandidates::new(complete::subscriptions))]
        subscriptions: Vec<String>,
    },
}

/// Settings shared by `add` and `set`.
#[derive(Debug, Args)]
pub struct SubscriptionSettings {
    /// What to do with images that first appear in a later list [add default: accept]
    #[arg(long, value_enum, value_name = "POLICY")]
    pub new_images: Option<NewImagesArg>,

    /// Which certificates may authenticate the https server [add default: both]
    #[arg(long, value_enum, value_name = "ANCHORS")]
    pub tls_anchors: Option<TlsAnchorsArg>,

    /// HTTP basic-auth user name
    #[arg(long, value_name = "USER", requires = "password_file")]
    pub username: Option<String>,

    /// File holding the HTTP basic-auth password ('-' for standard input)
    #[arg(long, value_name = "FILE", requires = "username", add = clap_complete::ArgValueCompleter::new(clap_complete::PathCompleter::file()))]
    pub password_file: Option<PathBuf>,
}

/// What an `oci://` subscription follows and how it reaches the registry.
#[derive(Debug, Args)]
pub struct RegistryArgs {
    /// oci:// and harbor:// only: follow this tag, or pin this manifest digest (sha256:…) (repeatable)
    #[arg(long = "tag", value_name = "TAG")]
    pub tags: Vec<String>,

    /// oci:// and harbor:// only: follow the repository's tags that match this regular expression (EGI: '^[^-]*$')
    #[arg(long, value_name = "REGEX")]
    pub tag_pattern: Option<String>,

    /// oci:// and harbor:// only: reach the registry over plain http instead of https
    #[arg(long)]
    pub plain_http: bool,

    /// oci:// and harbor:// only: the media type of the disk layer [default: application/x-qemu-disk]
    #[arg(long, value_name = "TYPE")]
    pub layer_media_type: Option<String>,

    /// oci:// and harbor:// only: import only artifacts with this annotation (repeatable; e.g. eu.egi.cloud.tag)
    #[arg(long = "require-annotation", value_name = "KEY")]
    pub require_annotations: Vec<String>,

    /// oci:// and harbor:// only: every artifact must be signed by this cosign public key (PEM file)
    #[arg(long, value_name = "PEM", add = clap_complete::ArgValueCompleter::new(clap_complete::PathCompleter::file()))]
    pub cosign_key: Option<PathBuf>,

    /// oci:// and harbor:// only: let a tag move back to a digest it had before (refused by default as a possible rollback)
    #[arg(long)]
    pub allow_rollback: bool,
}

impl RegistryArgs {
    /// Whether any registry option was given.
    pub fn any(&self) -> bool {
        !self.tags.is_empty()
            || self.tag_pattern.is_some()
            || self.plain_http
            || self.layer_media_type.is_some()
            || !self.require_annotations.is_empty()
            || self.allow_rollback
            || self.cosign_key.is_some()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum NewImagesArg {
    /// Not registered until 'subscribe accept'
    Refuse,
    /// Registered, not selected for the cache
    Accept,
    /// Registered and selected for the cache
    Subscribe,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TlsAnchorsArg {
    /// The system's CA roots
    System,
    /// The CAs of the IGTF trust directory only
    Igtf,
    /// Both
    Both,
    /// No server verification (not recommended)
    None,
}

impl From<NewImagesArg> for crate::db::NewImages {
    fn from(arg: NewImagesArg) -> Self {
        match arg {
            NewImagesArg::Refuse => Self::Refuse,
            NewImagesArg::Accept => Self::Accept,
            NewImagesArg::Subscribe => Self::Subscribe,
        }
    }
}

impl From<TlsAnchorsArg> for crate::fetch::TlsAnchors {
    fn from(arg: TlsAnchorsArg) -> Self {
        match arg {
            TlsAnchorsArg::System => Self::System,
            TlsAnchorsArg::Igtf => Self::Igtf,
            TlsAnchorsArg::Both => Self::Both,
            TlsAnchorsArg::None => Self::None,
        }
    }
}
