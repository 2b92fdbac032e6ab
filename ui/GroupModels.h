#pragma once

#include "FindingsModel.h" // FindingsModel moved there; kept for the includers of this file
#include "GroupPoller.h"
#include "Health.h"
#include "PagedTableModel.h"

#include <QAbstractTableModel>

namespace streamscope {

QString formatDuration(qint64 ms);
QColor severityColor(Severity severity);

// Every group of the watched streams, one row each, updated in place from each snapshot.
class GroupsModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column {
        StreamColumn,
        GroupColumn,
        ConsumersColumn,
        PendingColumn,
        LagColumn,
        TimeLagColumn,
        OldestPendingColumn,
        StatusColumn,
        ColumnCount
    };
    enum Role { KeyRole = Qt::UserRole + 1, StreamRole, GroupRole, SortRole };
    explicit GroupsModel(QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

    void setSnapshot(const GroupSnapshot &snapshot);
    const GroupStatus *group(const QByteArray &key) const;
    Severity severity(const QByteArray &key) const { return m_severity.value(key); }

private:
    struct Row {
        QByteArray key;
        GroupStatus status;
        qint64 sampledAtMs = 0; // this group's figures are from then
    };
    QList<Row> m_rows;
    QHash<QByteArray, Severity> m_severity;
    qint64 m_atMs = 0;
};

class ConsumersModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { NameColumn, PendingColumn, IdleColumn, InactiveColumn, ColumnCount };
    using QAbstractTableModel::QAbstractTableModel;
    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;
    void setConsumers(const QList<ConsumerStatus> &consumers);
    QStringList names() const;

private:
    QList<ConsumerStatus> m_consumers;
};

// A group's pending list, loaded page by page (by ID, never whole) as the view scrolls.
class PendingModel : public PagedTableModel<PendingEntry> {
    Q_OBJECT
public:
    enum Column { IdColumn, ConsumerColumn, IdleColumn, DeliveriesColumn, ColumnCount };
    enum Role { SortRole = Qt::UserRole + 1 };
    static constexpr int pageSize = 200;
    using PagedTableModel::PagedTableModel;

    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;
    void fetchMore(const QModelIndex &parent) override;

    // Starts over for a group and filter; the first page is asked for at once.
    void reset(const QByteArray &stream, const QByteArray &group, const QByteArray &consumer,
               qint64 minIdleMs);
    // A page arrived (from GroupActions); stale pages (an older request) are ignored.
    // False for a stale page.
    bool addPage(int request, const PendingEntryList &page);
    QByteArray stream() const { return m_stream; }
    QByteArray group() const { return m_group; }

Q_SIGNALS:
    void pageWanted(int request, const QByteArray &stream, const QByteArray &group,
                    const QByteArray &start, int count, qint64 minIdleMs,
                    const QByteArray &consumer);

private:
    void requestPage();

    QByteArray m_stream, m_group, m_consumer;
    qint64 m_minIdleMs = 0;
};

} // namespace streamscope
