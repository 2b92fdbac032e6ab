#pragma once

#include "FindingsModel.h" // FindingsModel moved there; kept for the includers of this file
#include "GroupPoller.h"
#include "Health.h"
#include "Wording.h" // formatDuration, formatCount, countOf

#include <QAbstractTableModel>

class QTimer;

namespace streamscope {

// The status colour of a severity, from the palette (reads on a dark one too).
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
    // Not current (see Freshness): every figure in the palette's disabled text colour.
    void setGreyed(bool greyed);
    bool isGreyed() const { return m_greyed; }

private:
    struct Row {
        QByteArray key;
        GroupStatus status;
        qint64 sampledAtMs = 0; // this group's figures are from then
    };
    QList<Row> m_rows;
    QHash<QByteArray, Severity> m_severity;
    qint64 m_atMs = 0;
    bool m_greyed = false;
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
    void setGreyed(bool greyed);

private:
    QList<ConsumerStatus> m_consumers;
    bool m_greyed = false;
};

// One pending entry as read, and when it was read (its idle time goes on from there).
struct PendingRow : PendingEntry {
    qint64 readAtMs = 0; // wall clock of the XPENDING reply
};

// A group's pending list, read page by page (by ID, never whole) as the view scrolls, and kept
// current: refresh() reads the page the view shows again (XPENDING from that page's first ID),
// entries that went away leave, new ones come in, and the rows in between are updated in place
// (a selection survives). One request at most is out at a time; idle times tick from the time
// their page was read.
class PendingModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { IdColumn, ConsumerColumn, IdleColumn, DeliveriesColumn, ColumnCount };
    enum Role { SortRole = Qt::UserRole + 1 };
    static constexpr int pageSize = 200;
    explicit PendingModel(QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;
    bool canFetchMore(const QModelIndex &parent) const override;
    void fetchMore(const QModelIndex &parent) override;

    // Starts over for a group and filter; the first page is asked for at once.
    void reset(const QByteArray &stream, const QByteArray &group, const QByteArray &consumer,
               qint64 minIdleMs);
    // Reads again the page of rows that holds row firstRow (the first row the view shows):
    // XPENDING from that page's first ID (the start of the list for the first page), one page.
    // False when skipped: no group, or a request still out (it is not queued behind it).
    bool refresh(int firstRow = 0);
    // An answer (from GroupActions): a page appended, or a refresh merged. Answers to anything
    // but the request out now are dropped (false). An error changes no row.
    bool addPage(int request, const PendingEntryList &page, const QString &error = {});

    const PendingRow &entry(int row) const { return m_rows.at(row); }
    const QList<PendingRow> &rows() const { return m_rows; }
    int rowOf(const StreamId &id) const; // -1: not in the list
    // The idle time now: as read, plus the time since it was read (ticking between reads).
    qint64 idleNow(int row) const;
    bool atEnd() const { return m_atEnd; }
    bool isLoading() const { return m_outRequest != 0; }
    QByteArray stream() const { return m_stream; }
    QByteArray group() const { return m_group; }
    // Not current: greyed, and idle times stop ticking (they are as of the last read).
    void setGreyed(bool greyed);

Q_SIGNALS:
    void pageWanted(int request, const QByteArray &stream, const QByteArray &group,
                    const QByteArray &start, int count, qint64 minIdleMs,
                    const QByteArray &consumer);
    // A refresh was merged, or the first page read: rows may have left (a selected one, an
    // entry shown in details).
    void refreshed();

private:
    enum class Asked { Page, Refresh };
    void ask(Asked kind, const QByteArray &start);
    void merge(const QList<PendingRow> &page);
    void updateTicking();

    QList<PendingRow> m_rows;
    QByteArray m_stream, m_group, m_consumer;
    qint64 m_minIdleMs = 0;
    bool m_atEnd = true;
    bool m_greyed = false;
    int m_lastRequest = 0;
    int m_outRequest = 0; // the request out now (0: none)
    Asked m_outKind = Asked::Page;
    StreamId m_outFrom;          // a refresh: the ID it starts at (rows from it are replaced)
    bool m_outFromStart = false; // ... or from the start of the list
    QTimer *m_ticker;
};

} // namespace streamscope
