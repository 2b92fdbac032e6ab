#include "PaymentService.h"

#include "ServiceOptions.h"
#include "ShopNames.h"

#include <QCryptographicHash>
#include <QUuid>

#include <cstdio>

namespace streamscope::shop {

PaymentHandler::PaymentHandler(std::unique_ptr<PaymentStore> store, Rules rules,
                               QByteArray consumer)
    : m_store(std::move(store))
    , m_rules(rules)
    , m_consumer(std::move(consumer)) {}

Error PaymentHandler::prepare(RedisClient &connection) {
    return m_publish.load(connection);
}

Payment PaymentHandler::decide(const QString &orderId, qint64 amount,
                               const QString &currency) const {
    Payment p{orderId,
              QStringLiteral("pay-") + QUuid::createUuid().toString(QUuid::WithoutBraces).left(13),
              amount,
              currency,
              QStringLiteral("completed"),
              QString()};
    const QByteArray digest = QCryptographicHash::hash(orderId.toUtf8(), QCryptographicHash::Sha1);
    const double draw = double(quint16(uchar(digest[0]) << 8 | uchar(digest[1]))) / 65536.0;
    if (amount > m_rules.maxAmount) {
        p.status = QStringLiteral("failed");
        p.reason = QStringLiteral("amount exceeds the limit of %1").arg(m_rules.maxAmount);
    } else if (draw < m_rules.failRate) {
        p.status = QStringLiteral("failed");
        p.reason = QStringLiteral("card declined");
    }
    return p;
}

Result<QList<Outcome>> PaymentHandler::handle(RedisClient &connection,
                                              const QList<Delivery> &batch) {
    QList<Outcome> outcomes(batch.size(), Outcome::ack());
    struct Valid {
        qsizetype index;
        QString orderId;
        qint64 amount;
        QString currency;
    };
    QList<Valid> valid;
    for (qsizetype i = 0; i < batch.size(); ++i) {
        const StreamEntry &e = batch.at(i).entry;
        if (e.value("type") != "order.created")
            continue; // not ours to handle: acknowledged and ignored
        const QString orderId = QString::fromUtf8(e.value("orderId"));
        bool ok = false;
        const qint64 amount = e.value("amount").toLongLong(&ok);
        if (orderId.isEmpty())
            outcomes[i] = Outcome::fail(QStringLiteral("order.created without an orderId"));
        else if (!ok || amount < 0)
            outcomes[i] = Outcome::fail(QStringLiteral("amount \"%1\" is not a whole number of "
                                                       "cents >= 0")
                                            .arg(QString::fromUtf8(e.value("amount"))));
        else
            valid.append({i, orderId, amount, QString::fromUtf8(e.value("currency"))});
    }
    if (valid.isEmpty())
        return outcomes;

    // 1. Charge what was not charged yet, and remember it, in one transaction.
    QList<Payment> payments;
    QList<Payment> fresh;
    for (const Valid &v : valid) {
        auto existing = m_store->find(v.orderId);
        if (!existing.ok())
            return existing.error();
        if (existing.value()) {
            payments.append(*existing.value());
        } else {
            payments.append(decide(v.orderId, v.amount, v.currency));
            fresh.append(payments.last());
        }
    }
    if (!fresh.isEmpty())
        if (Error e = m_store->insertNew(fresh))
            return e;
    // Another instance may have charged the same order between our read and our insert: the
    // stored row is the one that counts.
    if (!fresh.isEmpty())
        for (Payment &p : payments)
            if (auto stored = m_store->find(p.orderId); stored.ok() && stored.value())
                p = *stored.value();

    // 2. Announce each once and acknowledge, atomically.
    QList<PublishOnce::Request> requests;
    for (qsizetype k = 0; k < valid.size(); ++k) {
        const Payment &p = payments.at(k);
        QList<QByteArray> fields{
            "type",
            p.status == QLatin1String("completed") ? "payment.completed" : "payment.failed",
            "orderId",
            p.orderId.toUtf8(),
            "paymentId",
            p.paymentId.toUtf8(),
            "amount",
            QByteArray::number(p.amount),
            "currency",
            p.currency.toUtf8(),
            "status",
            p.status.toUtf8()};
        if (!p.reason.isEmpty())
            fields << "reason" << p.reason.toUtf8();
        fields << "processedBy" << m_consumer;
        requests.append({names::paymentEvents,
                         names::publishedMarker(names::paymentEvents, p.orderId.toUtf8()), fields,
                         names::orderEvents, names::paymentGroup,
                         batch.at(valid.at(k).index).entry.id.toByteArray()});
    }
    auto replies = m_publish.run(connection, requests);
    if (!replies.ok())
        return replies.error();
    for (qsizetype k = 0; k < valid.size(); ++k) {
        const RedisReply &r = replies.value()[size_t(k)];
        if (isTopologyChange(r)) // not the message's fault: retried, not counted against it
            return Error(Error::Kind::Io, QStringLiteral("publishing: %1").arg(r.errorMessage()));
        outcomes[valid.at(k).index] =
            r.isError()
                ? Outcome::fail(QStringLiteral("publishing failed: %1").arg(r.errorMessage()))
                : Outcome::acked();
    }
    return outcomes;
}

int runPaymentService(const QStringList &args) {
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "The shop's payment service: consumes order-events through the consumer group "
        "payment-service, charges each order (simulated) and publishes payment.completed or "
        "payment.failed to payment-events. Run several with different --consumer names."));
    addCommonOptions(parser, true);
    parser.addOptions({
        {QStringLiteral("consumer"), QStringLiteral("This instance's consumer name (required)."),
         QStringLiteral("NAME")},
        {QStringLiteral("db"),
         QStringLiteral("The payments database, shared by all instances (default payments.db)."),
         QStringLiteral("FILE"), QStringLiteral("payments.db")},
        {QStringLiteral("fail-rate"),
         QStringLiteral("Share of orders declined, 0 to 1 (default 0)."), QStringLiteral("P"),
         QStringLiteral("0")},
        {QStringLiteral("max-amount"),
         QStringLiteral("Orders above this many cents fail (default 1000000)."),
         QStringLiteral("CENTS"), QStringLiteral("1000000")},
    });
    if (const int code = parseOrExit(parser, args); code >= 0)
        return code;
    const QString consumer = parser.value(QStringLiteral("consumer"));
    if (consumer.isEmpty()) {
        std::fprintf(stderr, "payment-service: --consumer NAME is required\n");
        return 2;
    }
    PaymentHandler::Rules rules;
    bool ok = false;
    rules.failRate = parser.value(QStringLiteral("fail-rate")).toDouble(&ok);
    if (!ok || rules.failRate < 0 || rules.failRate > 1) {
        std::fprintf(stderr, "payment-service: --fail-rate needs a number from 0 to 1\n");
        return 2;
    }
    if (!parsePositive(parser.value(QStringLiteral("max-amount")), &rules.maxAmount, true)) {
        std::fprintf(stderr, "payment-service: --max-amount needs a whole number of cents\n");
        return 2;
    }
    const QString dbPath = parser.value(QStringLiteral("db"));
    return runConsumerService(
        parser,
        {QStringLiteral("payment-service"), names::orderEvents, names::paymentGroup, consumer,
         names::paymentEvents},
        [&](const ServiceLog &) -> Result<std::unique_ptr<MessageHandler>> {
            auto store = std::make_unique<PaymentStore>(dbPath);
            if (Error e = store->open())
                return e;
            return std::unique_ptr<MessageHandler>(
                std::make_unique<PaymentHandler>(std::move(store), rules, consumer.toUtf8()));
        });
}

namespace {
// "Notifies" the customer of each payment: one line on stdout per notification.
class NotificationHandler : public MessageHandler {
public:
    Error prepare(RedisClient &) override { return {}; }
    Result<QList<Outcome>> handle(RedisClient &, const QList<Delivery> &batch) override {
        QByteArray out;
        for (const Delivery &d : batch) {
            const StreamEntry &e = d.entry;
            const QByteArray type = e.value("type");
            if (type == "payment.completed")
                out += "notify: order " + e.value("orderId") + " is paid (" + e.value("paymentId")
                       + ")\n";
            else if (type == "payment.failed")
                out += "notify: payment for order " + e.value("orderId")
                       + " failed: " + e.value("reason") + "\n";
        }
        std::fwrite(out.constData(), 1, size_t(out.size()), stdout);
        std::fflush(stdout);
        return QList<Outcome>(batch.size(), Outcome::ack());
    }
};
} // namespace

int runNotificationService(const QStringList &args) {
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "The shop's notification service: a second consumer group (notification-service) on "
        "payment-events that tells customers about their payments (printed on stdout)."));
    addCommonOptions(parser, true);
    parser.addOption({QStringLiteral("consumer"),
                      QStringLiteral("This instance's consumer name (default notifier-1)."),
                      QStringLiteral("NAME"), QStringLiteral("notifier-1")});
    if (const int code = parseOrExit(parser, args); code >= 0)
        return code;
    return runConsumerService(parser,
                              {QStringLiteral("notification-service"), names::paymentEvents,
                               names::notificationGroup, parser.value(QStringLiteral("consumer"))},
                              [](const ServiceLog &) -> Result<std::unique_ptr<MessageHandler>> {
                                  return std::unique_ptr<MessageHandler>(
                                      std::make_unique<NotificationHandler>());
                              });
}

} // namespace streamscope::shop
