#include "GroupModels.h"

#include "ValueFormat.h"

#include <QColor>
#include <QDateTime>
#include <QFontDatabase>

namespace streamscope {


QColor severityColor(Severity severity) {
    switch (severity) {
    case Severity::Ok:
        return QColor(0x2e, 0x7d, 0x32);
    case Severity::Warning:
        return QColor(0xef, 0x6c, 0x00);
    case Severity::Critical:
        return QColor(0xc6, 0x28, 0x28);
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
            return g.consumers;
        case PendingColumn:
            return g.pending;
        case LagColumn:
            if (!g.lag)
                return tr("unknown");
            return g.lagEstimated ? QStringLiteral("~%1").arg(*g.lag) : QString::number(*g.lag);
        case TimeLagColumn:
            // Never 0 for "not known" (a user without XRANGE): the reason is the tooltip.
            if (!g.timeLagUnknown.isEmpty())
                return tr("unknown");
            return g.timeLagMs ? formatDuration(g.timeLagMs) : QStringLiteral("0");
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
        if (index.column() == StatusColumn)
            return severityColor(severity);
        if (index.column() == LagColumn && (!g.lag || g.lagEstimated))
            return QColor(Qt::gray);
        if ((index.column() == TimeLagColumn && !g.timeLagUnknown.isEmpty())
            || (index.column() == OldestPendingColumn && !g.pendingUnknown.isEmpty()))
            return QColor(Qt::gray);
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
            return tr("Nothing changed here lately: polled less often, figures as of %1 (%2 s "
                      "ago)")
                .arg(QDateTime::fromMSecsSinceEpoch(row.sampledAtMs)
                         .toString(QStringLiteral("HH:mm:ss")))
                .arg((m_atMs - row.sampledAtMs) / 1000);
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
            return c.pending;
        case IdleColumn:
            return formatDuration(c.idleMs);
        case InactiveColumn:
            return c.inactiveMs ? formatDuration(*c.inactiveMs) : QStringLiteral("-");
        }
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

QStringList ConsumersModel::names() const {
    QStringList out;
    for (const ConsumerStatus &c : m_consumers)
        out << QString::fromUtf8(c.name);
    return out;
}

// ---- FindingsModel --------------------------------------------------------------------------

int FindingsModel::rowCount(const QModelIndex &parent) const {
    return parent.isValid() ? 0 : int(m_findings.size());
}

int FindingsModel::columnCount(const QModelIndex &parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant FindingsModel::data(const QModelIndex &index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Finding &f = m_findings.at(index.row());
    if (role == Qt::DisplayRole) {
        switch (index.column()) {
        case SeverityColumn:
            return severityName(f.severity);
        case KindColumn:
            return f.kind;
        case WhereColumn:
            return QStringLiteral("%1 / %2").arg(valueformat::singleLine(f.stream, 60),
                                                 valueformat::singleLine(f.group, 60));
        case MessageColumn:
            return f.message;
        }
    } else if (role == Qt::ForegroundRole && index.column() == SeverityColumn) {
        return severityColor(f.severity);
    } else if (role == Qt::ToolTipRole && index.column() == MessageColumn) {
        return f.message;
    }
    return {};
}

QVariant FindingsModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    static const char *names[] = {"Severity", "Finding", "Stream / group", "What to do"};
    return tr(names[section]);
}

void FindingsModel::setFindings(FindingList findings) {
    std::stable_sort(findings.begin(), findings.end(),
                     [](const Finding &a, const Finding &b) { return a.severity > b.severity; });
    beginResetModel();
    m_findings = std::move(findings);
    endResetModel();
}

// ---- PendingModel ---------------------------------------------------------------------------

int PendingModel::columnCount(const QModelIndex &parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant PendingModel::data(const QModelIndex &index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const PendingEntry &p = entry(index.row());
    if (role == Qt::DisplayRole) {
        switch (index.column()) {
        case IdColumn:
            return p.id.toString();
        case ConsumerColumn:
            return valueformat::singleLine(p.consumer, 80);
        case IdleColumn:
            return formatDuration(p.idleMs);
        case DeliveriesColumn:
            return p.deliveries;
        }
    } else if (role == SortRole) {
        switch (index.column()) {
        case IdColumn:
            // Both parts, as fixed-width text (a double loses the sequence number).
            return QStringLiteral("%1-%2")
                .arg(p.id.ms, 20, 10, QLatin1Char('0'))
                .arg(p.id.seq, 20, 10, QLatin1Char('0'));
        case IdleColumn:
            return double(p.idleMs);
        case DeliveriesColumn:
            return double(p.deliveries);
        default:
            return data(index, Qt::DisplayRole);
        }
    } else if (role == Qt::FontRole && index.column() == IdColumn) {
        return QFontDatabase::systemFont(QFontDatabase::FixedFont);
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
    return {};
}

void PendingModel::fetchMore(const QModelIndex &parent) {
    if (canFetchMore(parent))
        requestPage();
}

void PendingModel::requestPage() {
    const QByteArray start =
        rows().isEmpty() ? QByteArray("-") : "(" + rows().last().id.toByteArray();
    Q_EMIT pageWanted(markLoading(), m_stream, m_group, start, pageSize, m_minIdleMs, m_consumer);
}

void PendingModel::reset(const QByteArray &stream, const QByteArray &group,
                         const QByteArray &consumer, qint64 minIdleMs) {
    m_stream = stream;
    m_group = group;
    m_consumer = consumer;
    m_minIdleMs = minIdleMs;
    restart(stream.isEmpty());
    if (!stream.isEmpty())
        requestPage();
}

bool PendingModel::addPage(int request, const PendingEntryList &page) {
    // A page of an older request (the group or filter changed meanwhile) is dropped.
    return acceptPage(request, page, pageSize);
}

} // namespace streamscope
