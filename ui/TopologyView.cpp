#include "TopologyView.h"
#include "Wording.h"

#include <QApplication>
#include <QDateTime>
#include <QHeaderView>
#include <QLabel>
#include <QLocale>
#include <QSortFilterProxyModel>
#include <QStyle>
#include <QTableView>
#include <QVBoxLayout>

namespace streamscope {

TopologyModel::TopologyModel(QObject *parent)
    : QAbstractTableModel(parent) {}

int TopologyModel::rowCount(const QModelIndex &parent) const {
    return parent.isValid() ? 0 : int(m_snapshot.nodes.size());
}

int TopologyModel::columnCount(const QModelIndex &parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QString TopologyModel::slotText(const QList<QPair<int, int>> &ranges) {
    QStringList parts;
    for (const auto &[first, last] : ranges)
        parts << (first == last ? QString::number(first)
                                : QStringLiteral("%1-%2").arg(first).arg(last));
    return parts.join(QStringLiteral(", "));
}

QString TopologyModel::endpointOf(const QString &nodeId) const {
    for (const TopologyNode &t : m_snapshot.nodes)
        if (t.node.id == nodeId)
            return t.node.endpoint;
    return {};
}

const TopologyNode *TopologyModel::primaryOf(const TopologyNode &t) const {
    for (const TopologyNode &p : m_snapshot.nodes)
        if (!t.node.primaryId.isEmpty() && p.node.id == t.node.primaryId)
            return &p;
    return nullptr;
}

QString TopologyModel::roleText(const TopologyNode &t) const {
    if (m_snapshot.topology == RedisClient::Topology::Standalone)
        return m_serverRole.isEmpty() ? tr("standalone") : m_serverRole;
    if (t.node.primary)
        return t.node.slotRanges.isEmpty() ? tr("primary (no slots)") : tr("primary");
    const QString primary = endpointOf(t.node.primaryId);
    if (!primary.isEmpty())
        return tr("replica of %1").arg(primary);
    return t.node.primaryId.isEmpty() ? tr("replica")
                                      : tr("replica of %1").arg(t.node.primaryId.left(8));
}

QVariant TopologyModel::data(const QModelIndex &index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const TopologyNode &t = m_snapshot.nodes.at(index.row());
    const bool ok = t.state == QLatin1String("ok");
    // A replica serves no slots itself: it holds a copy of its primary's.
    const TopologyNode *primary = t.node.primary ? nullptr : primaryOf(t);
    const QList<QPair<int, int>> &ranges = primary ? primary->node.slotRanges : t.node.slotRanges;
    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case NodeColumn:
            return t.node.endpoint;
        case RoleColumn:
            return roleText(t);
        case SlotsColumn:
            // Slots mean something on a cluster only.
            if (m_snapshot.topology != RedisClient::Topology::Cluster)
                return tr("all keys");
            return primary && !ranges.isEmpty() ? tr("(copy of %1)").arg(slotText(ranges))
                                                : slotText(ranges);
        case StateColumn:
            // What the node said last is not its state now.
            return m_stale ? tr("unknown: not answering (it said \"%1\")").arg(t.state) : t.state;
        case CommandsColumn:
            return m_stale ? QStringLiteral("-")
                           : QLocale().toString(t.ownCommandsPerSecond, 'f', 1);
        case BytesColumn:
            return m_stale ? QStringLiteral("-")
                           : QLocale().formattedDataSize(qint64(t.ownBytesPerSecond))
                                 + QStringLiteral("/s");
        }
        break;
    case SortRole:
        switch (index.column()) {
        case SlotsColumn:
            return ranges.isEmpty() ? 16384 : ranges.first().first;
        case CommandsColumn:
            return t.ownCommandsPerSecond;
        case BytesColumn:
            return t.ownBytesPerSecond;
        default:
            return data(index, Qt::DisplayRole);
        }
    case Qt::ForegroundRole:
        if (m_stale)
            return QPalette().brush(QPalette::Disabled, QPalette::Text);
        break;
    case Qt::TextAlignmentRole:
        if (index.column() == CommandsColumn || index.column() == BytesColumn)
            return int(Qt::AlignRight | Qt::AlignVCenter);
        break;
    case Qt::DecorationRole:
        if (index.column() == StateColumn && !ok)
            return QApplication::style()->standardIcon(QStyle::SP_MessageBoxWarning);
        break;
    case Qt::FontRole:
        if (index.column() == StateColumn && !ok) {
            QFont bold;
            bold.setBold(true);
            return bold;
        }
        break;
    case Qt::ToolTipRole: {
        QString tip = t.node.id.isEmpty() ? t.node.endpoint
                                          : tr("%1\nnode ID %2").arg(t.node.endpoint, t.node.id);
        tip += QLatin1Char('\n') + roleText(t);
        if (!ranges.isEmpty())
            tip += QLatin1Char('\n') + tr("slots %1").arg(slotText(ranges));
        tip += QLatin1Char('\n') + tr("state: %1").arg(t.state);
        tip += QLatin1Char('\n')
               + tr("StreamScope's own load on it: commands sent and bytes received per second, "
                    "by all its connections");
        if (m_stale)
            tip += QLatin1Char('\n') + tr("The server is not answering: this picture is old.");
        return tip;
    }
    case EndpointRole:
        return t.node.endpoint;
    case ReachableRole:
        return t.node.reachable && ok;
    }
    return {};
}

QVariant TopologyModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal)
        return {};
    if (role == Qt::DisplayRole) {
        switch (section) {
        case NodeColumn:
            return tr("Node");
        case RoleColumn:
            return tr("Role");
        case SlotsColumn:
            return tr("Slots");
        case StateColumn:
            return tr("State");
        case CommandsColumn:
            return tr("Own cmd/s");
        case BytesColumn:
            return tr("Own received/s");
        }
    } else if (role == Qt::ToolTipRole) {
        if (section == CommandsColumn)
            return tr("Commands StreamScope sends to this node per second (tail, polls, views)");
        if (section == BytesColumn)
            return tr("Bytes StreamScope receives from this node per second");
    } else if (role == Qt::TextAlignmentRole
               && (section == CommandsColumn || section == BytesColumn)) {
        return int(Qt::AlignRight | Qt::AlignVCenter);
    }
    return {};
}

void TopologyModel::setServerRole(const QString &role) {
    if (role == m_serverRole)
        return;
    m_serverRole = role;
    if (!m_snapshot.nodes.isEmpty())
        Q_EMIT dataChanged(index(0, RoleColumn), index(rowCount() - 1, RoleColumn));
}

void TopologyModel::setSnapshot(const TopologySnapshot &snapshot) {
    m_stale = false;
    bool sameRows = snapshot.nodes.size() == m_snapshot.nodes.size();
    for (qsizetype i = 0; sameRows && i < snapshot.nodes.size(); ++i)
        sameRows = snapshot.nodes.at(i).node.endpoint == m_snapshot.nodes.at(i).node.endpoint;
    if (sameRows) {
        m_snapshot = snapshot;
        if (!m_snapshot.nodes.isEmpty())
            Q_EMIT dataChanged(index(0, 0), index(rowCount() - 1, ColumnCount - 1));
        return;
    }
    beginResetModel();
    m_snapshot = snapshot;
    endResetModel();
}

void TopologyModel::setStale(bool stale) {
    if (stale == m_stale)
        return;
    m_stale = stale;
    if (!m_snapshot.nodes.isEmpty())
        Q_EMIT dataChanged(index(0, 0), index(rowCount() - 1, ColumnCount - 1));
}

TopologyView::TopologyView(QWidget *parent)
    : QWidget(parent)
    , m_model(new TopologyModel(this))
    , m_proxy(new QSortFilterProxyModel(this))
    , m_view(new QTableView)
    , m_summary(new QLabel)
    , m_change(new QLabel) {
    m_proxy->setSourceModel(m_model);
    m_proxy->setSortRole(TopologyModel::SortRole);
    m_view->setObjectName(QStringLiteral("topologyNodes"));
    m_view->setModel(m_proxy);
    m_view->setSortingEnabled(true);
    m_view->sortByColumn(TopologyModel::SlotsColumn, Qt::AscendingOrder);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->verticalHeader()->hide();
    m_view->verticalHeader()->setDefaultSectionSize(m_view->fontMetrics().height() + 6);
    m_view->setWordWrap(false);
    m_view->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_view->horizontalHeader()->setStretchLastSection(true);
    m_summary->setObjectName(QStringLiteral("topologySummary"));
    m_summary->setTextFormat(Qt::PlainText);
    m_change->setObjectName(QStringLiteral("topologyChange"));
    m_change->setTextFormat(Qt::PlainText);
    m_change->setWordWrap(true);
    m_change->hide();
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 0);
    layout->addWidget(m_summary);
    layout->addWidget(m_change);
    layout->addWidget(m_view);
    clear();
}

void TopologyView::setSnapshot(const TopologySnapshot &snapshot) {
    m_model->setSnapshot(snapshot);
    int down = 0;
    for (const TopologyNode &t : snapshot.nodes)
        down += t.state == QLatin1String("ok") ? 0 : 1;
    QString text = snapshot.nodes.size() == 1
                       ? tr("%1, 1 node").arg(deploymentText(snapshot))
                       : tr("%1, %2").arg(deploymentText(snapshot),
                                          countOf(snapshot.nodes.size(), "node", "nodes"));
    if (down)
        text += down == 1 ? tr(", 1 not ok") : tr(", %1 not ok").arg(down);
    if (snapshot.atMs > 0)
        text += tr(" (as of %1)")
                    .arg(QDateTime::fromMSecsSinceEpoch(snapshot.atMs)
                             .toString(QStringLiteral("HH:mm:ss")));
    m_summary->setText(text);
}

void TopologyView::showChange(const QString &message) {
    m_change->setText(tr("%1: %2").arg(
        QDateTime::currentDateTime().toString(QStringLiteral("HH:mm:ss")), message));
    m_change->setVisible(!message.isEmpty());
}

void TopologyView::setStale(bool stale) {
    m_model->setStale(stale);
}

void TopologyView::clear() {
    m_model->setSnapshot({});
    m_summary->setText(tr("Not connected."));
    m_change->clear();
    m_change->hide();
}

QString TopologyView::lastChange() const {
    return m_change->text();
}

QString TopologyView::summary() const {
    return m_summary->text();
}

} // namespace streamscope
