//! Users in process memory: the store when the service runs without a database, and the
//! handlers' store in tests.

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use uuid::Uuid;

use super::{User, UserChanges, UserRepository, now};
use crate::orders::memory::MemoryOrders;
use crate::store::{Paging, StoreError};

/// Users in insertion order, which is creation order.
#[derive(Debug, Default)]
pub struct MemoryUsers {
    users: Mutex<Vec<User>>,
    /// The orders that go with their owner, as the database's foreign key has them.
    orders: Option<Arc<MemoryOrders>>,
}

fn email_taken(users: &[User], email: &str, except: Option<Uuid>) -> bool {
    users
        .iter()
        .any(|user| Some(user.id) != except && user.email.to_lowercase() == email.to_lowercase())
}

impl MemoryUsers {
    /// An empty store whose deleted users take their orders in `orders` with them.
    #[must_use]
    pub fn owning(orders: Arc<MemoryOrders>) -> Self {
        Self {
            users: Mutex::default(),
            orders: Some(orders),
        }
    }

    fn users(&self) -> std::sync::MutexGuard<'_, Vec<User>> {
        // A panic while holding the lock cannot leave a user half-written, so poison is harmless.
        self.users
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[async_trait]
impl UserRepository for MemoryUsers {
    async fn add(&self, user: &User) -> Result<(), StoreError> {
        let mut users = self.users();
        if email_taken(&users, &user.email, None) {
            return Err(StoreError::DuplicateEmail);
        }
        users.push(user.clone());
        Ok(())
    }

    async fn get(&self, id: Uuid) -> Result<Option<User>, StoreError> {
        Ok(self.users().iter().find(|user| user.id == id).cloned())
    }

    async fn by_email(&self, email: &str) -> Result<Option<User>, StoreError> {
        let email = email.to_lowercase();
        Ok(self
            .users()
            .iter()
            .find(|user| user.email.to_lowercase() == email)
            .cloned())
    }

    async fn page(&self, paging: Paging) -> Result<(Vec<User>, i64), StoreError> {
        let users = self.users();
        let total = i64::try_from(users.len()).unwrap_or(i64::MAX);
        Ok((paging.slice(&users), total))
    }

    async fn update(&self, id: Uuid, changes: &UserChanges) -> Result<Option<User>, StoreError> {
        let mut users = self.users();
        if let Some(email) = &changes.email
            && email_taken(&users, email, Some(id))
        {
            return Err(StoreError::DuplicateEmail);
        }
        let Some(user) = users.iter_mut().find(|user| user.id == id) else {
            return Ok(None);
        };
        if let Some(email) = &changes.email {
            email.clone_into(&mut user.email);
        }
        if let Some(name) = &changes.name {
            name.clone_into(&mut user.name);
        }
        if let Some(role) = changes.role {
            user.role = role;
        }
        if let Some(hash) = &changes.password_hash {
            user.password_hash = Some(hash.clone());
        }
        user.updated_at = now();
        Ok(Some(user.clone()))
    }

    async fn delete(&self, id: Uuid) -> Result<bool, StoreError> {
        let mut users = self.users();
        let before = users.len();
        users.retain(|user| user.id != id);
        let deleted = users.len() < before;
        drop(users);
        if deleted && let Some(orders) = &self.orders {
            orders.remove_owned_by(id);
        }
        Ok(deleted)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::orders::{Order, OrderItem, OrderRepository};
    use crate::users::Role;

    fn user(email: &str) -> User {
        User::new(email.to_owned(), "Ann".to_owned(), Role::User, None)
    }

    #[tokio::test]
    async fn a_deleted_user_takes_their_orders_along() {
        let orders = Arc::new(MemoryOrders::default());
        let users = MemoryUsers::owning(Arc::clone(&orders));
        let ann = user("ann@example.com");
        users.add(&ann).await.unwrap();
        let item = OrderItem::new("PEN-1".to_owned(), "Pen".to_owned(), 1, 250);
        let order = Order::place(ann.id, "EUR".to_owned(), vec![item]);
        orders.add(&order).await.unwrap();
        assert!(users.delete(ann.id).await.unwrap());
        assert_eq!(orders.get(order.id).await.unwrap(), None);
    }

    #[tokio::test]
    async fn emails_are_unique_ignoring_case() {
        let users = MemoryUsers::default();
        users.add(&user("Ann@Example.com")).await.unwrap();
        let duplicate = users.add(&user("ann@example.COM")).await;
        assert!(matches!(duplicate, Err(StoreError::DuplicateEmail)));
        assert!(users.by_email("ANN@example.com").await.unwrap().is_some());
    }

    #[tokio::test]
    async fn pages_keep_creation_order_and_count_everything() {
        let users = MemoryUsers::default();
        for email in ["a@example.com", "b@example.com", "c@example.com"] {
            users.add(&user(email)).await.unwrap();
        }
        let (page, total) = users
            .page(Paging {
                limit: 1,
                offset: 1,
            })
            .await
            .unwrap();
        assert_eq!(total, 3);
        assert_eq!(page[0].email, "b@example.com");
    }

    #[tokio::test]
    async fn updates_change_only_what_is_given() {
        let users = MemoryUsers::default();
        let ann = user("ann@example.com");
        users.add(&ann).await.unwrap();
        let rename = UserChanges {
            name: Some("Ann B.".to_owned()),
            ..UserChanges::default()
        };
        let renamed = users.update(ann.id, &rename).await.unwrap().unwrap();
        assert_eq!(
            (renamed.name.as_str(), renamed.email.as_str()),
            ("Ann B.", "ann@example.com")
        );
        assert!(users.delete(ann.id).await.unwrap());
        assert!(users.update(ann.id, &rename).await.unwrap().is_none());
    }
}
