//! Orders in process memory: the store when the service runs without a database, and the
//! handlers' store in tests.

use std::sync::{Mutex, MutexGuard, PoisonError};

use async_trait::async_trait;
use uuid::Uuid;

use super::{Order, OrderRepository, Status};
use crate::store::{Paging, StoreError};

/// Orders in placement order.
#[derive(Debug, Default)]
pub struct MemoryOrders {
    orders: Mutex<Vec<Order>>,
}

impl MemoryOrders {
    fn orders(&self) -> MutexGuard<'_, Vec<Order>> {
        // Every change is a single assignment, so a poisoned lock holds consistent data.
        self.orders.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[async_trait]
impl OrderRepository for MemoryOrders {
    async fn add(&self, order: &Order) -> Result<(), StoreError> {
        self.orders().push(order.clone());
        Ok(())
    }

    async fn get(&self, id: Uuid) -> Result<Option<Order>, StoreError> {
        Ok(self.orders().iter().find(|order| order.id == id).cloned())
    }

    async fn page_for(
        &self,
        user_id: Uuid,
        paging: Paging,
    ) -> Result<(Vec<Order>, i64), StoreError> {
        let newest_first: Vec<Order> = self
            .orders()
            .iter()
            .rev()
            .filter(|order| order.user_id == user_id)
            .cloned()
            .collect();
        let total = i64::try_from(newest_first.len()).unwrap_or(i64::MAX);
        Ok((paging.slice(&newest_first), total))
    }

    async fn update_status(&self, order: &Order, from: Status) -> Result<bool, StoreError> {
        let mut orders = self.orders();
        let Some(stored) = orders.iter_mut().find(|stored| stored.id == order.id) else {
            return Ok(false);
        };
        if stored.status != from {
            return Ok(false);
        }
        stored.status = order.status;
        stored.updated_at = order.updated_at;
        Ok(true)
    }
}
