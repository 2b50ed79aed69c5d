//! A donation received (후원 접수): goods become a lot of the receiving organization's resource,
//! with the donation's designation (지정기탁), ready to be drawn when they are given.

use crate::crypto::PersonKeys;
use crate::error::RepoResult;
use crate::repo::donations::{self, Donation, Gift, NewDonation};
use crate::repo::stock;
use crate::uow::Tx;

/// Records a donation received by the caller's organization; goods become a lot of one of
/// its resources (its own or one it provides).
pub fn record(tx: &mut Tx<'_>, keys: &PersonKeys, new: NewDonation) -> RepoResult<Donation> {
    let (gift, designation) = (new.gift.clone(), new.designation.clone());
    let donation = donations::record(tx, keys, new)?;
    if let Gift::Goods {
        resource_id,
        quantity,
        expires_on,
    } = gift
    {
        stock::add_lot(
            tx.conn(),
            resource_id,
            donation.id,
            expires_on,
            &designation,
            quantity,
        )?;
    }
    Ok(donation)
}
