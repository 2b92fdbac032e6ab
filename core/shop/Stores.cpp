#include "Stores.h"

#include <QJsonDocument>
#include <QSqlError>
#include <QSqlQuery>
#include <QVariant>

#include <atomic>

namespace streamscope::shop {

namespace {
Error sqlError(const QString &doing, const QSqlError &error) {
    return Error(Error::Kind::Server, QStringLiteral("%1: %2").arg(doing, error.text()));
}
} // namespace

SqliteFile::SqliteFile(const QString &path, const QString &purpose)
    : m_path(path) {
    static std::atomic<int> counter{0};
    m_connectionName = QStringLiteral("%1-%2").arg(purpose).arg(counter++);
}

SqliteFile::~SqliteFile() {
    {
        QSqlDatabase db = QSqlDatabase::database(m_connectionName, false);
        if (db.isValid())
            db.close();
    }
    QSqlDatabase::removeDatabase(m_connectionName);
}

QSqlDatabase SqliteFile::db() const {
    return QSqlDatabase::database(m_connectionName, false);
}

Error SqliteFile::open(const QStringList &schema) {
    if (!QSqlDatabase::isDriverAvailable(QStringLiteral("QSQLITE")))
        return Error(Error::Kind::Connect,
                     QStringLiteral("Qt's SQLite driver is missing: install libqt6sql6-sqlite"));
    QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), m_connectionName);
    db.setDatabaseName(m_path);
    db.setConnectOptions(QStringLiteral("QSQLITE_BUSY_TIMEOUT=10000"));
    if (!db.open())
        return sqlError(QStringLiteral("opening %1").arg(m_path), db.lastError());
    QSqlQuery q(db);
    // WAL + NORMAL: a committed transaction survives the process being killed.
    for (const QString &statement : QStringList{QStringLiteral("PRAGMA journal_mode=WAL"),
                                                QStringLiteral("PRAGMA synchronous=NORMAL")}
                                        + schema)
        if (!q.exec(statement))
            return sqlError(statement, q.lastError());
    return {};
}

QJsonObject Order::toJson() const {
    QJsonObject o{{QStringLiteral("orderId"), QString::number(id)},
                  {QStringLiteral("userId"), userId},
                  {QStringLiteral("items"), items},
                  {QStringLiteral("amount"), amount},
                  {QStringLiteral("currency"), currency},
                  {QStringLiteral("status"), status},
                  {QStringLiteral("createdAt"), createdAt}};
    if (!paymentId.isEmpty())
        o.insert(QStringLiteral("paymentId"), paymentId);
    return o;
}

OrderStore::OrderStore(const QString &path)
    : m_file(path, QStringLiteral("orders")) {}

Error OrderStore::open() {
    return m_file.open(
        {QStringLiteral(
             "CREATE TABLE IF NOT EXISTS orders ("
             " id INTEGER PRIMARY KEY AUTOINCREMENT, user_id TEXT NOT NULL, items TEXT NOT NULL,"
             " amount INTEGER NOT NULL, currency TEXT NOT NULL, status TEXT NOT NULL,"
             " created_at INTEGER NOT NULL, payment_id TEXT, event_id TEXT)"),
         QStringLiteral("CREATE INDEX IF NOT EXISTS orders_unpublished ON orders(id)"
                        " WHERE event_id IS NULL")});
}

Result<qint64> OrderStore::insert(const Order &order) {
    QSqlQuery q(m_file.db());
    q.prepare(QStringLiteral("INSERT INTO orders (user_id, items, amount, currency, status, "
                             "created_at) VALUES (?, ?, ?, ?, 'placed', ?)"));
    q.addBindValue(order.userId);
    q.addBindValue(QString::fromUtf8(QJsonDocument(order.items).toJson(QJsonDocument::Compact)));
    q.addBindValue(order.amount);
    q.addBindValue(order.currency);
    q.addBindValue(order.createdAt);
    if (!q.exec())
        return sqlError(QStringLiteral("storing an order"), q.lastError());
    return q.lastInsertId().toLongLong();
}

Error OrderStore::insertMany(const QList<Order> &orders) {
    QSqlDatabase db = m_file.db();
    db.transaction();
    for (const Order &o : orders) {
        auto id = insert(o);
        if (!id.ok()) {
            db.rollback();
            return id.error();
        }
    }
    if (!db.commit())
        return sqlError(QStringLiteral("committing orders"), db.lastError());
    return {};
}

namespace {
Order orderFrom(const QSqlQuery &q) {
    Order o;
    o.id = q.value(0).toLongLong();
    o.userId = q.value(1).toString();
    o.items = QJsonDocument::fromJson(q.value(2).toString().toUtf8()).array();
    o.amount = q.value(3).toLongLong();
    o.currency = q.value(4).toString();
    o.status = q.value(5).toString();
    o.createdAt = q.value(6).toLongLong();
    o.paymentId = q.value(7).toString();
    o.eventId = q.value(8).toString();
    return o;
}
const char orderColumns[] =
    "id, user_id, items, amount, currency, status, created_at, payment_id, event_id";
} // namespace

Result<std::optional<Order>> OrderStore::find(qint64 id) {
    QSqlQuery q(m_file.db());
    q.prepare(
        QStringLiteral("SELECT %1 FROM orders WHERE id = ?").arg(QLatin1String(orderColumns)));
    q.addBindValue(id);
    if (!q.exec())
        return sqlError(QStringLiteral("reading order %1").arg(id), q.lastError());
    if (!q.next())
        return std::optional<Order>();
    return std::optional<Order>(orderFrom(q));
}

Result<QList<Order>> OrderStore::unpublished(int limit) {
    QSqlQuery q(m_file.db());
    q.prepare(QStringLiteral("SELECT %1 FROM orders WHERE event_id IS NULL ORDER BY id LIMIT ?")
                  .arg(QLatin1String(orderColumns)));
    q.addBindValue(limit);
    if (!q.exec())
        return sqlError(QStringLiteral("reading unpublished orders"), q.lastError());
    QList<Order> out;
    while (q.next())
        out.append(orderFrom(q));
    return out;
}

Error OrderStore::markPublished(const QList<QPair<qint64, QString>> &idAndEvent) {
    QSqlDatabase db = m_file.db();
    db.transaction();
    QSqlQuery q(db);
    q.prepare(QStringLiteral("UPDATE orders SET event_id = ? WHERE id = ?"));
    for (const auto &[id, event] : idAndEvent) {
        q.addBindValue(event);
        q.addBindValue(id);
        if (!q.exec()) {
            db.rollback();
            return sqlError(QStringLiteral("marking order %1 published").arg(id), q.lastError());
        }
    }
    if (!db.commit())
        return sqlError(QStringLiteral("committing"), db.lastError());
    return {};
}

Error OrderStore::applyPayments(const QList<std::tuple<qint64, QString, QString>> &updates) {
    QSqlDatabase db = m_file.db();
    db.transaction();
    QSqlQuery q(db);
    q.prepare(QStringLiteral("UPDATE orders SET status = ?, payment_id = ? "
                             "WHERE id = ? AND status = 'placed'"));
    for (const auto &[id, status, payment] : updates) {
        q.addBindValue(status);
        q.addBindValue(payment);
        q.addBindValue(id);
        if (!q.exec()) {
            db.rollback();
            return sqlError(QStringLiteral("updating order %1").arg(id), q.lastError());
        }
    }
    if (!db.commit())
        return sqlError(QStringLiteral("committing"), db.lastError());
    return {};
}

Result<QHash<QString, qint64>> OrderStore::countByStatus() {
    QSqlQuery q(m_file.db());
    if (!q.exec(QStringLiteral("SELECT status, COUNT(*) FROM orders GROUP BY status")))
        return sqlError(QStringLiteral("counting orders"), q.lastError());
    QHash<QString, qint64> out;
    while (q.next())
        out.insert(q.value(0).toString(), q.value(1).toLongLong());
    return out;
}

PaymentStore::PaymentStore(const QString &path)
    : m_file(path, QStringLiteral("payments")) {}

Error PaymentStore::open() {
    return m_file.open({QStringLiteral(
        "CREATE TABLE IF NOT EXISTS payments ("
        " order_id TEXT PRIMARY KEY, payment_id TEXT NOT NULL, amount INTEGER NOT NULL,"
        " currency TEXT NOT NULL, status TEXT NOT NULL, reason TEXT NOT NULL,"
        " created_at INTEGER NOT NULL DEFAULT (CAST(strftime('%s','now') AS INTEGER) * 1000))")});
}

Result<std::optional<Payment>> PaymentStore::find(const QString &orderId) {
    QSqlQuery q(m_file.db());
    q.prepare(QStringLiteral("SELECT order_id, payment_id, amount, currency, status, reason "
                             "FROM payments WHERE order_id = ?"));
    q.addBindValue(orderId);
    if (!q.exec())
        return sqlError(QStringLiteral("reading payment for order %1").arg(orderId), q.lastError());
    if (!q.next())
        return std::optional<Payment>();
    return std::optional<Payment>(Payment{q.value(0).toString(), q.value(1).toString(),
                                          q.value(2).toLongLong(), q.value(3).toString(),
                                          q.value(4).toString(), q.value(5).toString()});
}

Error PaymentStore::insertNew(const QList<Payment> &payments) {
    QSqlDatabase db = m_file.db();
    db.transaction();
    QSqlQuery q(db);
    q.prepare(QStringLiteral("INSERT OR IGNORE INTO payments (order_id, payment_id, amount, "
                             "currency, status, reason) VALUES (?, ?, ?, ?, ?, ?)"));
    // A null QString binds as NULL, which the NOT NULL columns refuse, and OR IGNORE then
    // dropped the row without a word (a completed payment has no reason): bind empty text.
    auto text = [](const QString &value) { return value.isNull() ? QStringLiteral("") : value; };
    for (const Payment &p : payments) {
        q.addBindValue(p.orderId);
        q.addBindValue(p.paymentId);
        q.addBindValue(p.amount);
        q.addBindValue(text(p.currency));
        q.addBindValue(p.status);
        q.addBindValue(text(p.reason));
        if (!q.exec()) {
            db.rollback();
            return sqlError(QStringLiteral("storing payment for order %1").arg(p.orderId),
                            q.lastError());
        }
    }
    if (!db.commit())
        return sqlError(QStringLiteral("committing payments"), db.lastError());
    return {};
}

} // namespace streamscope::shop
