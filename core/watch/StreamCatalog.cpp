#include "StreamCatalog.h"

#include <algorithm>

namespace streamscope {

namespace {

// SCAN visits the buckets of the key table in reverse-binary order: the cursor's low bits,
// reversed, tell how far through a table of 2^bits buckets the search is.
quint64 reverseBits(quint64 v, int bits) {
    quint64 r = 0;
    for (int i = 0; i < bits; ++i) {
        r = (r << 1) | (v & 1);
        v >>= 1;
    }
    return r;
}

} // namespace

double StreamCatalog::Cursor::fraction() const {
    if (done)
        return 1.0;
    if (nodes.isEmpty())
        return 0.0;
    double within = 0;
    if (tableBits > 0 && cursor != "0") {
        const quint64 mask = (quint64(1) << tableBits) - 1;
        within = double(reverseBits(cursor.toULongLong() & mask, tableBits))
                 / double(quint64(1) << tableBits);
    }
    return (double(node) + within) / double(nodes.size());
}

StreamCatalog::StreamCatalog(Options options)
    : m_options(options) {
    qRegisterMetaType<StreamCatalogPage>();
}

void StreamCatalog::setPattern(const QByteArray &pattern) {
    m_pattern = pattern.isEmpty() ? QByteArray("*") : pattern;
    m_started = false;
}

void StreamCatalog::restart() {
    m_started = false;
}

StreamCatalog::Cursor StreamCatalog::startCursor(RedisClient &client) const {
    Cursor c;
    c.nodes = client.topology() == RedisClient::Topology::Cluster ? client.primaries()
                                                                  : QStringList{QString()};
    int bits = 2;
    while (m_keysTotal >= 0 && bits < 62 && (qint64(1) << bits) <= m_keysTotal)
        ++bits;
    c.tableBits = m_keysTotal >= 0 ? bits : 0;
    return c;
}

void StreamCatalog::startGeneration(RedisClient &client) {
    ++m_generation;
    m_started = true;
    m_done = false;
    m_small = false;
    m_rows.clear();
    m_seen.clear();
    m_forgotten.clear();
    m_missing.clear();
    m_keysTotal = -1;
    if (client.topology() != RedisClient::Topology::Cluster) {
        // O(1): how many keys the search goes through, for "about 40 % searched".
        auto size = client.command({"DBSIZE"});
        qint64 n = -1;
        if (size.ok() && !size->isError() && size->toInteger(&n))
            m_keysTotal = n;
    }
    m_pass = startCursor(client);
    m_sweep = Cursor();
}

Error StreamCatalog::scanOnce(RedisClient &client, Cursor *c, QList<QByteArray> *names,
                              MissingNodeList *missing) {
    if (c->done)
        return {};
    const QString endpoint = c->nodes.value(c->node);
    const Command scan{"SCAN",    c->cursor, "MATCH",
                       m_pattern, "COUNT",   QByteArray::number(m_options.scanCount),
                       "TYPE",    "stream"};
    const bool onCluster = client.topology() == RedisClient::Topology::Cluster;
    auto reply = onCluster ? client.commandOn(endpoint, scan) : client.command(scan);
    Error e;
    if (!reply.ok())
        e = reply.error();
    else if (reply->isError())
        e = Error(Error::Kind::Server,
                  QStringLiteral("SCAN failed: %1").arg(reply->errorMessage()));
    else if (!reply->isArray() || reply->size() != 2 || !reply->at(1).isArray())
        e = Error(Error::Kind::Protocol,
                  QStringLiteral("unexpected SCAN reply: %1").arg(reply->toDebugString()));
    if (e) {
        if (!onCluster || isPermissionRefusal(e))
            return e;
        // One node: named, and the search goes on with the next.
        QString slots;
        for (const RedisClient::Node &n : client.nodes())
            if (n.endpoint == endpoint)
                slots = slotRangesText(n.slotRanges);
        missing->append({endpoint, slots, e.message});
        c->cursor = "0";
    } else {
        c->cursor = reply->at(0).bytes();
        for (const RedisReply &key : reply->at(1).elements())
            names->append(key.bytes());
    }
    if (c->cursor == "0" && ++c->node >= c->nodes.size())
        c->done = true;
    return {};
}

StreamCatalogPage StreamCatalog::page() const {
    StreamCatalogPage p;
    p.generation = m_generation;
    p.complete = m_done;
    p.listed = m_seen.size();
    p.searchedFraction = m_pass.fraction();
    p.keysTotal = m_keysTotal;
    p.pattern = m_pattern;
    p.missing = m_missing;
    return p;
}

Result<StreamCatalogPage> StreamCatalog::nextPage(RedisClient &client) {
    const bool fresh = !m_started;
    if (fresh)
        startGeneration(client);
    if (m_done) { // nothing more to fetch: only what went
        StreamCatalogPage p = page();
        p.removed = m_forgotten;
        m_forgotten.clear();
        return p;
    }
    QList<QByteArray> found;
    int calls = 0;
    while (!m_pass.done && calls < m_options.maxCallsPerPage) {
        QList<QByteArray> names;
        if (Error e = scanOnce(client, &m_pass, &names, &m_missing)) {
            if (fresh)
                m_started = false; // the first page again next time
            return e;
        }
        ++calls;
        for (const QByteArray &n : names)
            if (!m_seen.contains(n)) {
                m_seen.insert(n);
                found.append(n);
            }
        if (found.size() >= m_options.pageSize)
            break;
    }
    m_done = m_pass.done;
    StreamCatalogPage p;
    if (m_done && m_seen.size() <= m_options.smallLimit) {
        // All of it, and few: the small way, in name order, as one sorted list.
        m_small = true;
        m_rows += found;
        std::sort(m_rows.begin(), m_rows.end());
        p = page();
        p.sorted = true;
        p.reset = true;
        p.added = m_rows;
        return p;
    }
    // Each page in name order within itself: the rows read well while the search goes on.
    std::sort(found.begin(), found.end());
    m_rows += found;
    p = page();
    p.reset = fresh;
    p.added = found;
    p.removed = m_forgotten;
    m_forgotten.clear();
    return p;
}

Result<StreamCatalogPage> StreamCatalog::refresh(RedisClient &client) {
    if (!m_started)
        return nextPage(client);
    if (m_small) {
        // The whole list again (as bounded as before); the bound exceeded: the large way, a
        // new generation from the first page.
        auto scanned = scanStreams(client, m_pattern, m_options.smallLimit, 10000);
        if (!scanned.ok())
            return scanned.error();
        if (scanned->truncated) {
            m_started = false;
            return nextPage(client);
        }
        StreamCatalogPage p = page();
        p.sorted = true;
        p.missing = scanned->missing;
        const QSet<QByteArray> now(scanned->names.cbegin(), scanned->names.cend());
        // A node that could not be scanned: its streams are unknown, not gone.
        const bool partial = !scanned->missing.isEmpty();
        for (const QByteArray &n : std::as_const(m_rows))
            if (!now.contains(n) && !partial)
                p.removed.append(n);
        for (const QByteArray &n : scanned->names)
            if (!m_seen.contains(n))
                p.added.append(n);
        for (const QByteArray &n : std::as_const(p.removed))
            m_seen.remove(n);
        m_seen.unite(QSet<QByteArray>(p.added.cbegin(), p.added.cend()));
        m_rows = QList<QByteArray>(m_seen.cbegin(), m_seen.cend());
        std::sort(m_rows.begin(), m_rows.end());
        m_forgotten.clear();
        m_missing = scanned->missing;
        p.listed = m_rows.size();
        return p;
    }
    StreamCatalogPage p = page();
    p.removed = m_forgotten;
    m_forgotten.clear();
    if (!m_done)
        return p; // the rows not fetched yet come with the next pages
    // The sweep: one call per listing, round and round, for streams created since.
    if (m_sweep.nodes.isEmpty() || m_sweep.done)
        m_sweep = startCursor(client);
    QList<QByteArray> names;
    MissingNodeList missing;
    if (Error e = scanOnce(client, &m_sweep, &names, &missing))
        return e;
    for (const QByteArray &n : names)
        if (!m_seen.contains(n)) {
            m_seen.insert(n);
            m_rows.append(n);
            p.added.append(n);
        }
    p.missing = missing;
    p.listed = m_seen.size();
    return p;
}

void StreamCatalog::forget(const QByteArray &name) {
    if (!m_seen.remove(name))
        return;
    m_rows.removeOne(name);
    m_forgotten.append(name);
}

StreamCatalogPage StreamCatalog::takeRemovals() {
    StreamCatalogPage p = page();
    p.removed = m_forgotten;
    m_forgotten.clear();
    return p;
}

QByteArray matchPattern(const QString &text, bool asPattern) {
    const QByteArray typed = text.toUtf8();
    if (asPattern)
        return typed.isEmpty() ? QByteArray("*") : typed;
    if (typed.isEmpty())
        return "*";
    QByteArray escaped;
    for (const char c : typed) {
        if (c == '*' || c == '?' || c == '[' || c == ']' || c == '\\')
            escaped += '\\';
        escaped += c;
    }
    return '*' + escaped + '*';
}

} // namespace streamscope
