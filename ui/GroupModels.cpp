#include "GroupModels.h"

#include "Palette.h"
#include "ValueFormat.h"

#include <QColor>
#include <QDateTime>
#include <QFontDatabase>
#include <QScopeGuard>
#include <QTimer>

namespace streamscope {

namespace {
// A duration, or "never" (the server says -1 for a consumer that never succeeded).
QString durationOrNever(qint64 ms) {
    return ms < 0 ? QObject::tr("never") : formatDuration(ms);
}
} // namespace

QColor severityColor(Severity severity) {
    switch (severity) {
    case Severity::Ok:
        return toneColour(Tone::Ok);
    case Severity::Warning:
        return toneColour(Tone::Warning);
    case Severity::Critical:
        return toneColour(Tone::Critical);
    }
    return {};
}

// ---- GroupsModel ----------------------------------------------------------------------------

GroupsModel::GroupsModel(QObject *parent)
    : QAbstractTableModel(parent) {}

int GroupsModel::rowCount(const QModelIndex &parent) const {
    return parent.isValid() ? 0 : int(m_rows.size());
}

int GroupsModel::columnCount(const QModelIndex &parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

const GroupStatus *GroupsModel::group(const QByteArray &key) const {
    for (const Row &r : m_rows)
        if (r.key == key)
            return &r.status;
    return nullptr;
}

QVariant GroupsModel::data(const QModelIndex &index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Row &row = m_rows.at(index.row());
    const GroupStatus &g = row.status;
    const Severity severity = m_severity.value(row.key);
    const std::optional<qint64> oldest = g.oldestPendingAgeMs(m_atMs);
    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case StreamColumn:
            return valueformat::singleLine(g.stream, 80);
        case GroupColumn:
            return valueformat::singleLine(g.name, 80);
        case ConsumersColumn:
            return formatCount(g.consumers);
        case PendingColumn:
            return formatCount(g.pending);
        case LagColumn:
            if (!g.lag)
                return tr("unknown");
            return g.lagEstimated ? QStringLiteral("~%1").arg(formatCount(*g.lag))
                                  : formatCount(*g.lag);
        case TimeLagColumn:
            // Never 0 for "not known" (a user without XRANGE): the reason is the tooltip.
            if (!g.timeLagUnknown.isEmpty())
                return tr("unknown");
            return formatDuration(g.timeLagMs); // "0 ms" beside "22.8 s": a time, not a count
        case OldestPendingColumn:
            if (!g.pendingUnknown.isEmpty() && g.pending > 0)
                return tr("unknown");
            return oldest ? formatDuration(*oldest) : QStringLiteral("-");
        case StatusColumn:
            return severityName(severity);
        }
        break;
    case SortRole:
        switch (index.column()) {
        case LagColumn:
            return g.lag ? double(*g.lag) : -1.0;
        case TimeLagColumn:
            return g.timeLagUnknown.isEmpty() ? double(g.timeLagMs) : -1.0;
        case OldestPendingColumn:
            return oldest && g.pendingUnknown.isEmpty() ? double(*oldest) : -1.0;
        case StatusColumn:
            return int(severity);
        case ConsumersColumn:
            return double(g.consumers);
        case PendingColumn:
            return double(g.pending);
        default:
            return data(index, Qt::DisplayRole);
        }
    case Qt::ForegroundRole:
        if (m_greyed)
            return toneColour(Tone::Muted);
        if (index.column() == StatusColumn)
            return severityColor(severity);
        if (index.column() == LagColumn && (!g.lag || g.lagEstimated))
            return toneColour(Tone::Muted);
        if ((index.column() == TimeLagColumn && !g.timeLagUnknown.isEmpty())
            || (index.column() == OldestPendingColumn && !g.pendingUnknown.isEmpty()))
            return toneColour(Tone::Muted);
        break;
    case Qt::FontRole:
        if (index.column() == StatusColumn && severity != Severity::Ok) {
            QFont bold;
            bold.setBold(true);
            return bold;
        }
        break;
    case Qt::TextAlignmentRole:
        if (index.column() >= ConsumersColumn && index.column() <= OldestPendingColumn)
            return int(Qt::AlignRight | Qt::AlignVCenter);
        break;
    case Qt::ToolTipRole:
        // A quiet stream is polled less often: say how old its figures are.
        if (row.sampledAtMs > 0 && m_atMs - row.sampledAtMs >= 1500
            && index.column() <= ConsumersColumn)
            return tr("Nothing changed here lately: polled less often, figures as of %1 (%2 ago)")
                .arg(formatClock(row.sampledAtMs), formatDuration(m_atMs - row.sampledAtMs));
        if (index.column() == LagColumn)
            return g.lagNote.isEmpty() ? tr("Entries added to the stream that this group has "
                                            "not been delivered yet (reported by the server)")
                                       : g.lagNote;
        if (index.column() == TimeLagColumn)
            return g.timeLagUnknown.isEmpty()
                       ? tr("How long the oldest entry not yet delivered to this group has "
                            "waited")
                       : g.timeLagUnknown;
        if (index.column() == OldestPendingColumn)
            return g.pendingUnknown.isEmpty()
                       ? tr("Age of the oldest entry delivered but not acknowledged")
                       : g.pendingUnknown;
        break;
    case KeyRole:
        return row.key;
    case StreamRole:
        return g.stream;
    case GroupRole:
        return g.name;
    }
    return {};
}

QVariant GroupsModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation == Qt::Horizontal && role == Qt::ToolTipRole) {
        switch (section) {
        case ConsumersColumn:
            return tr("Consumers the group knows (XINFO GROUPS), dead or alive");
        case PendingColumn:
            return tr("Entries delivered to a consumer and not acknowledged yet (XACK): work in "
                      "progress, or work a dead consumer left behind");
        case LagColumn:
            return tr("Lag: entries of the stream this group has not been delivered yet (the "
                      "server's lag on 7.0+; \"~\" marks an estimate, \"unknown\" says why)");
        case TimeLagColumn:
            return tr("Time lag: how long the oldest entry not yet delivered has waited");
        case OldestPendingColumn:
            return tr("Age of the oldest delivered, unacknowledged entry");
        case StatusColumn:
            return tr("The worst finding of the health rules for this group (see Findings)");
        default:
            return {};
        }
    }
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    static const char *names[] = {"Stream", "Group",    "Consumers",      "Pending",
                                  "Lag",    "Time lag", "Oldest pending", "Status"};
    return tr(names[section]);
}

void GroupsModel::setGreyed(bool greyed) {
    if (greyed == m_greyed)
        return;
    m_greyed = greyed;
    if (!m_rows.isEmpty())
        Q_EMIT dataChanged(index(0, 0), index(rowCount() - 1, ColumnCount - 1),
                           {Qt::ForegroundRole});
}

void GroupsModel::setSnapshot(const GroupSnapshot &snapshot) {
    QList<Row> rows;
    m_severity.clear();
    for (const StreamStatus &s : snapshot.streams)
        for (const GroupStatus &g : s.groups) {
            const QByteArray key = groupKey(s.info.name, g.name);
            rows.append({key, g, s.sampledAtMs});
            m_severity.insert(key, worstOf(snapshot.findings.value(key)));
        }
    m_atMs = snapshot.atMs;
    bool same = rows.size() == m_rows.size();
    for (qsizetype i = 0; same && i < rows.size(); ++i)
        same = rows.at(i).key == m_rows.at(i).key;
    if (same) {
        m_rows = rows;
        if (!m_rows.isEmpty())
            Q_EMIT dataChanged(index(0, 0), index(rowCount() - 1, ColumnCount - 1));
        return;
    }
    beginResetModel();
    m_rows = rows;
    endResetModel();
}

// ---- ConsumersModel -------------------------------------------------------------------------

int ConsumersModel::rowCount(const QModelIndex &parent) const {
    return parent.isValid() ? 0 : int(m_consumers.size());
}

int ConsumersModel::columnCount(const QModelIndex &parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant ConsumersModel::data(const QModelIndex &index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const ConsumerStatus &c = m_consumers.at(index.row());
    if (role == Qt::DisplayRole) {
        switch (index.column()) {
        case NameColumn:
            return valueformat::singleLine(c.name, 80);
        case PendingColumn:
            return formatCount(c.pending);
        case IdleColumn:
            return durationOrNever(c.idleMs);
        case InactiveColumn:
            return c.inactiveMs ? durationOrNever(*c.inactiveMs) : QStringLiteral("-");
        }
    } else if (role == Qt::ForegroundRole && m_greyed) {
        return toneColour(Tone::Muted);
    } else if (role == Qt::TextAlignmentRole && index.column() == PendingColumn) {
        return int(Qt::AlignRight | Qt::AlignVCenter);
    } else if (role == Qt::ToolTipRole && index.column() == InactiveColumn && !c.inactiveMs) {
        return tr("The server reports inactive time from Redis 7.2");
    }
    return {};
}

QVariant ConsumersModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal)
        return {};
    if (role == Qt::DisplayRole) {
        static const char *names[] = {"Consumer", "Pending", "Idle", "Inactive"};
        return tr(names[section]);
    }
    if (role == Qt::ToolTipRole && section == IdleColumn)
        return tr("Time since the consumer last read or claimed (7.2+: last tried to)");
    return {};
}

void ConsumersModel::setConsumers(const QList<ConsumerStatus> &consumers) {
    bool same = consumers.size() == m_consumers.size();
    for (qsizetype i = 0; same && i < consumers.size(); ++i)
        same = consumers.at(i).name == m_consumers.at(i).name;
    if (same) {
        m_consumers = consumers;
        if (!m_consumers.isEmpty())
            Q_EMIT dataChanged(index(0, 0), index(rowCount() - 1, ColumnCount - 1));
        return;
    }
    beginResetModel();
    m_consumers = consumers;
    endResetModel();
}

void ConsumersModel::setGreyed(bool greyed) {
    if (greyed == m_greyed)
        return;
    m_greyed = greyed;
    if (!m_consumers.isEmpty())
        Q_EMIT dataChanged(index(0, 0), index(rowCount() - 1, ColumnCount - 1),
                           {Qt::ForegroundRole});
}

QStringList ConsumersModel::names() const {
    QStringList out;
    for (const ConsumerStatus &c : m_consumers)
        out << QString::fromUtf8(c.name);
    return out;
}

// ---- PendingModel ---------------------------------------------------------------------------

namespace {
qint64 nowMs() {
    return QDateTime::currentMSecsSinceEpoch();
}
} // namespace

PendingModel::PendingModel(QObject *parent)
    : QAbstractTableModel(parent)
    , m_ticker(new QTimer(this)) {
    // Idle times go on between reads: the column is redrawn each second, from the read time.
    m_ticker->setInterval(1000);
    connect(m_ticker, &QTimer::timeout, this, [this] {
        if (!m_rows.isEmpty())
            Q_EMIT dataChanged(index(0, IdleColumn), index(rowCount() - 1, IdleColumn),
                               {Qt::DisplayRole, SortRole});
    });
}

int PendingModel::rowCount(const QModelIndex &parent) const {
    return parent.isValid() ? 0 : int(m_rows.size());
}

int PendingModel::columnCount(const QModelIndex &parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

qint64 PendingModel::idleNow(int row) const {
    const PendingRow &p = m_rows.at(row);
    // Greyed (not current): as of the last read, which is what the note's time says.
    return m_greyed ? p.idleMs : p.idleMs + qMax<qint64>(0, nowMs() - p.readAtMs);
}

QVariant PendingModel::data(const QModelIndex &index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const PendingRow &p = m_rows.at(index.row());
    if (role == Qt::DisplayRole) {
        switch (index.column()) {
        case IdColumn:
            return p.id.toString();
        case ConsumerColumn:
            return valueformat::singleLine(p.consumer, 80);
        case IdleColumn:
            return formatDuration(idleNow(index.row()));
        case DeliveriesColumn:
            return formatCount(p.deliveries);
        }
    } else if (role == SortRole) {
        switch (index.column()) {
        case IdColumn:
            // Both parts, as fixed-width text (a double loses the sequence number).
            return QStringLiteral("%1-%2")
                .arg(p.id.ms, 20, 10, QLatin1Char('0'))
                .arg(p.id.seq, 20, 10, QLatin1Char('0'));
        case IdleColumn:
            return double(idleNow(index.row()));
        case DeliveriesColumn:
            return double(p.deliveries);
        default:
            return data(index, Qt::DisplayRole);
        }
    } else if (role == Qt::FontRole && index.column() == IdColumn) {
        return QFontDatabase::systemFont(QFontDatabase::FixedFont);
    } else if (role == Qt::ForegroundRole && m_greyed) {
        return toneColour(Tone::Muted);
    } else if (role == Qt::TextAlignmentRole
               && (index.column() == IdleColumn || index.column() == DeliveriesColumn)) {
        return int(Qt::AlignRight | Qt::AlignVCenter);
    }
    return {};
}

QVariant PendingModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal)
        return {};
    if (role == Qt::DisplayRole) {
        static const char *names[] = {"Entry ID", "Consumer", "Idle", "Deliveries"};
        return tr(names[section]);
    }
    if (role == Qt::ToolTipRole && section == DeliveriesColumn)
        return tr("How often the group has delivered this entry");
    if (role == Qt::ToolTipRole && section == IdleColumn)
        return tr("Time since the entry was last delivered: as the server said when the list "
                  "was read, counting on since");
    return {};
}

bool PendingModel::canFetchMore(const QModelIndex &parent) const {
    return !parent.isValid() && !m_atEnd && !isLoading() && !m_rows.isEmpty();
}

void PendingModel::fetchMore(const QModelIndex &parent) {
    if (canFetchMore(parent))
        ask(Asked::Page, "(" + m_rows.last().id.toByteArray());
}

void PendingModel::ask(Asked kind, const QByteArray &start) {
    m_outRequest = ++m_lastRequest;
    m_outKind = kind;
    Q_EMIT pageWanted(m_outRequest, m_stream, m_group, start, pageSize, m_minIdleMs, m_consumer);
}

void PendingModel::reset(const QByteArray &stream, const QByteArray &group,
                         const QByteArray &consumer, qint64 minIdleMs) {
    beginResetModel();
    m_stream = stream;
    m_group = group;
    m_consumer = consumer;
    m_minIdleMs = minIdleMs;
    m_rows.clear();
    m_outRequest = 0; // what is out for the old list is dropped when it comes
    m_atEnd = stream.isEmpty();
    endResetModel();
    updateTicking();
    if (!stream.isEmpty())
        ask(Asked::Page, "-");
}

bool PendingModel::refresh(int firstRow) {
    if (m_stream.isEmpty() || isLoading())
        return false;
    // The page that holds firstRow, counted from the top in pages of pageSize.
    const int pageStart =
        qBound(0, firstRow, qMax(0, int(m_rows.size()) - 1)) / pageSize * pageSize;
    m_outFromStart = pageStart == 0;
    m_outFrom = m_outFromStart ? StreamId() : m_rows.at(pageStart).id;
    ask(Asked::Refresh, m_outFromStart ? QByteArray("-") : m_outFrom.toByteArray());
    return true;
}

bool PendingModel::addPage(int request, const PendingEntryList &page, const QString &error) {
    if (request == 0 || request != m_outRequest)
        return false; // an answer for an earlier list or request
    // Still "loading" while the rows go in: a view (or a model tester) that asks for more from
    // a rowsInserted handler must not ask for the same page again.
    const auto done = qScopeGuard([this, request] {
        if (m_outRequest == request)
            m_outRequest = 0;
    });
    const bool fromTop = m_outKind == Asked::Page && m_rows.isEmpty();
    if (!error.isEmpty()) {
        // Nothing is known: the rows stay as read (the panel says why). A failed first page
        // does not ask again on its own; the next poll's refresh does, once.
        if (m_outKind == Asked::Page)
            m_atEnd = true;
        return true;
    }
    const qint64 readAt = nowMs();
    QList<PendingRow> read;
    read.reserve(page.size());
    for (const PendingEntry &p : page) {
        PendingRow row;
        static_cast<PendingEntry &>(row) = p;
        row.readAtMs = readAt;
        read.append(row);
    }
    if (m_outKind == Asked::Page) {
        m_atEnd = page.size() < pageSize;
        if (!read.isEmpty()) {
            const int first = int(m_rows.size());
            beginInsertRows({}, first, first + int(read.size()) - 1);
            m_rows.append(read);
            endInsertRows();
        }
    } else {
        merge(read);
    }
    updateTicking();
    if (m_outKind == Asked::Refresh || fromTop) {
        m_outRequest = 0; // the panel may ask again from here (a reload keeps a selection)
        Q_EMIT refreshed();
    }
    return true;
}

// The answer of a refresh covers the IDs from where it started up to its last entry (or, when
// it is shorter than a page, to the end of the list): the rows there become what it says, row by
// row (removed, inserted, updated in place), so that selections and scrolling stay.
void PendingModel::merge(const QList<PendingRow> &page) {
    const bool toEnd = page.size() < pageSize;
    int row = 0;
    if (!m_outFromStart)
        while (row < m_rows.size() && m_rows.at(row).id < m_outFrom)
            ++row;
    qsizetype next = 0;
    auto covered = [&](int r) { return toEnd || m_rows.at(r).id <= page.last().id; };
    while (next < page.size() || (row < m_rows.size() && covered(row))) {
        const bool rowLeft = row < m_rows.size() && covered(row);
        if (rowLeft && (next == page.size() || m_rows.at(row).id < page.at(next).id)) {
            beginRemoveRows({}, row, row); // no longer pending (or filtered out now)
            m_rows.removeAt(row);
            endRemoveRows();
        } else if (!rowLeft || page.at(next).id < m_rows.at(row).id) {
            beginInsertRows({}, row, row);
            m_rows.insert(row, page.at(next));
            endInsertRows();
            ++row;
            ++next;
        } else {
            m_rows[row] = page.at(next);
            Q_EMIT dataChanged(index(row, 0), index(row, ColumnCount - 1));
            ++row;
            ++next;
        }
    }
    if (toEnd)
        m_atEnd = true;
    else if (row >= m_rows.size())
        m_atEnd = false; // a full page to the last row: there may be more after it
}

int PendingModel::rowOf(const StreamId &id) const {
    const auto it =
        std::lower_bound(m_rows.cbegin(), m_rows.cend(), id,
                         [](const PendingRow &r, const StreamId &i) { return r.id < i; });
    return it != m_rows.cend() && it->id == id ? int(it - m_rows.cbegin()) : -1;
}

void PendingModel::setGreyed(bool greyed) {
    if (greyed == m_greyed)
        return;
    if (greyed) // from now on the idle times are as of their read: keep what was shown
        for (PendingRow &p : m_rows) {
            p.idleMs += qMax<qint64>(0, nowMs() - p.readAtMs);
            p.readAtMs = nowMs();
        }
    m_greyed = greyed;
    updateTicking();
    if (!m_rows.isEmpty())
        Q_EMIT dataChanged(index(0, 0), index(rowCount() - 1, ColumnCount - 1));
}

void PendingModel::updateTicking() {
    if (!m_rows.isEmpty() && !m_greyed) {
        if (!m_ticker->isActive()) // restarted at each read, it would never fire
            m_ticker->start();
    } else {
        m_ticker->stop();
    }
}

} // namespace streamscope
