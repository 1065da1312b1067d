use clap::Subcommand;
use clap_complete::ArgValueCandidates;

use super::complete;

#[derive(Debug, Subcommand)]
pub enum EndorserCommand {
    /// List endorser credentials, one line each: 'id' 'dn' 'ca'
    List,

    /// Show an endorser, its credentials and the subscriptions it may sign
    Show {
        /// Endorser identifier
        #[arg(add = ArgValueCandidates::new(complete::endorsers))]
        id: String,
    },

    /// Create an endorser, or add credentials to an existing one
    #[command(
        after_help = "Example:\n  vmcatcher endorser create appdb \\\n    --dn '/DC=EU/DC=EGI/C=GR/O=Robots/O=Greek Research and Technology Network/CN=Robot:argo-egi@grnet.gr' \\\n    --ca '/DC=ORG/DC=SEE-GRID/CN=SEE-GRID CA 2013'"
    )]
    Create {
        /// Endorser identifier (a name or a UUID)
        id: String,

        /// Certificate subject in OpenSSL one-line form; pair each with a --ca
        #[arg(long, required = true, value_name = "DN")]
        dn: Vec<String>,

        /// Issuer (CA) subject in OpenSSL one-line form, paired with the --dn at the same position
        #[arg(long, value_name = "CA")]
        ca: Vec<String>,
    },

    /// List endorser <-> subscription links: 'endorser' 'subscription' 'True'
    Links,

    /// Allow an endorser to sign a subscription's lists
    Link {
        /// Endorser identifier
        #[arg(add = ArgValueCandidates::new(complete::endorsers))]
        id: String,
        /// Subscription identifier or URL, or a unique prefix of either
        #[arg(value_name = "SUB", add = ArgValueCandidates::new(complete::subscriptions))]
        subscription: String,
    },

    /// Withdraw an endorser from a subscription; lists it signed stop being valid
    Unlink {
        /// Endorser identifier
        #[arg(add = ArgValueCandidates::new(complete::endorsers))]
        id: String,
        /// Subscription identifier or URL, or a unique prefix of either
        #[arg(value_name = "SUB", add = ArgValueCandidates::new(complete::subscriptions))]
        subscription: String,
    },

    /// Delete an endorser with its credentials and subscription links
    Delete {
        /// Endorser identifier
        #[arg(add = ArgValueCandidates::new(complete::endorsers))]
        id: String,
    },
}
