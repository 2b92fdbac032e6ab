#pragma once

#include "Error.h"

#include <QHash>
#include <QJsonArray>
#include <QJsonObject>
#include <QList>
#include <QSqlDatabase>
#include <QString>

#include <optional>

namespace streamscope::shop {

// Opens an SQLite file for one thread (Qt SQL connections belong to the thread that made them),
// in WAL mode so the services' threads can read while one writes. A process crash (SIGKILL)
// loses nothing committed.
class SqliteFile {
public:
    SqliteFile(const QString &path, const QString &purpose);
    ~SqliteFile();
    Error open(const QStringList &schema);
    QSqlDatabase db() const;
    const QString &path() const { return m_path; }

private:
    QString m_path;
    QString m_connectionName;
};

struct Order {
    qint64 id = 0;
    QString userId;
    QJsonArray items;
    qint64 amount = 0; // cents
    QString currency;
    QString status; // placed, paid, payment_failed
    qint64 createdAt = 0;
    QString paymentId;
    QString eventId; // the order.created entry, once published
    QJsonObject toJson() const;
};

// The order service's own data. Orders are written first and published afterwards by a relay
// (the outbox pattern): placing an order never waits for Redis.
class OrderStore {
public:
    explicit OrderStore(const QString &path);
    Error open();
    Result<qint64> insert(const Order &order);    // returns the new id
    Error insertMany(const QList<Order> &orders); // one transaction
    Result<std::optional<Order>> find(qint64 id);
    Result<QList<Order>> unpublished(int limit);
    Error markPublished(const QList<QPair<qint64, QString>> &idAndEvent);
    // Only orders still "placed" change: replays of a payment event are harmless.
    Error applyPayments(const QList<std::tuple<qint64, QString, QString>> &idStatusPayment);
    Result<QHash<QString, qint64>> countByStatus();

private:
    SqliteFile m_file;
};

struct Payment {
    QString orderId;
    QString paymentId;
    qint64 amount = 0;
    QString currency;
    QString status; // completed, failed
    QString reason;
};

// The payment service's own data: one row per order, which is what makes charging idempotent.
class PaymentStore {
public:
    explicit PaymentStore(const QString &path);
    Error open();
    Result<std::optional<Payment>> find(const QString &orderId);
    // Inserts the payments that do not exist yet, in one transaction.
    Error insertNew(const QList<Payment> &payments);

private:
    SqliteFile m_file;
};

} // namespace streamscope::shop
