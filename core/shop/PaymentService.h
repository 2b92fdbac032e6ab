#pragma once

#include "GroupConsumer.h"
#include "PublishOnce.h"
#include "Stores.h"

namespace streamscope::shop {

// Charges each order exactly once and announces it exactly once, whatever crashes:
// 1. the charge is recorded in the payments database (one row per order: never charged twice);
// 2. payment.completed/failed is published by a Lua step that publishes at most once per order
//    (its marker {payment-events}:published:<order> shares the stream's slot), and the order
//    entry is acknowledged: in the same step on one server; right after it on a cluster, where
//    order-events and payment-events are in different slots (never announced twice either way).
// A crash between the steps leaves the entry pending; whoever gets it next finds the charge
// recorded and the event published, and only acknowledges.
class PaymentHandler : public MessageHandler {
public:
    struct Rules {
        double failRate = 0;        // share of orders declined (by a hash of the order ID)
        qint64 maxAmount = 1000000; // cents; above it the payment fails
    };
    PaymentHandler(std::unique_ptr<PaymentStore> store, Rules rules, QByteArray consumer);

    Error prepare(RedisClient &connection) override;
    Result<QList<Outcome>> handle(RedisClient &connection, const QList<Delivery> &batch) override;

    // The decision for an order: deterministic, so a retry decides the same way.
    Payment decide(const QString &orderId, qint64 amount, const QString &currency) const;

private:
    std::unique_ptr<PaymentStore> m_store;
    Rules m_rules;
    QByteArray m_consumer;
    PublishOnce m_publish;
};

int runPaymentService(const QStringList &args);
int runNotificationService(const QStringList &args);

} // namespace streamscope::shop
