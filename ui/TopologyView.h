#pragma once

#include "Deployment.h"
#include "ServerPoller.h"
#include "StreamInfo.h"
#include "Topology.h"

#include <QAbstractTableModel>
#include <QWidget>

#include <optional>

class QLabel;
class QSortFilterProxyModel;
class QTableView;

namespace streamscope {

// Every node of the deployment (the one server when standalone), one row each: its role, its
// slots, its state and StreamScope's own load on it, from ServerPoller's topology snapshots.
class TopologyModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column {
        NodeColumn,
        RoleColumn,
        SlotsColumn,
        CommandsColumn,
        BytesColumn,
        StateColumn, // last: "unreachable: <why>" gets the room left
        ColumnCount
    };
    enum Role { SortRole = Qt::UserRole + 1, EndpointRole, ReachableRole };

    explicit TopologyModel(QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

    void setSnapshot(const TopologySnapshot &snapshot);
    // One server's role as the server says it ("primary, 1 replica"), for a standalone row.
    void setServerRole(const QString &role);
    const TopologySnapshot &snapshot() const { return m_snapshot; }
    // The server stopped answering: the load shows "-", not the last figures.
    void setStale(bool stale);

    // "0-5460, 10923-10925"; empty without slots.
    static QString slotText(const QList<QPair<int, int>> &ranges);

private:
    QString roleText(const TopologyNode &t) const;
    QString endpointOf(const QString &nodeId) const;
    const TopologyNode *primaryOf(const TopologyNode &t) const;

    TopologySnapshot m_snapshot;
    QString m_serverRole;
    bool m_stale = false;
};

// The "Topology" tab: a summary line, the last failover the tail saw, and the nodes (sortable).
class TopologyView : public QWidget {
    Q_OBJECT
public:
    explicit TopologyView(QWidget *parent = nullptr);

    void setSnapshot(const TopologySnapshot &snapshot);
    // A failover or other change the tail saw (StreamTailer::topologyChanged).
    void showChange(const QString &message);
    void setStale(bool stale);
    void clear();

    TopologyModel *model() const { return m_model; }
    QTableView *view() const { return m_view; }
    QString summary() const;
    QString lastChange() const; // the last showChange(), with its time

private:
    TopologyModel *m_model;
    QSortFilterProxyModel *m_proxy;
    QTableView *m_view;
    QLabel *m_summary;
    QLabel *m_change;
};

} // namespace streamscope
