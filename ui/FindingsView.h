#pragma once

#include "Freshness.h"
#include "GroupPoller.h"
#include "Permissions.h"

#include <QHash>
#include <QWidget>

#include <functional>

class QComboBox;
class QLabel;
class QPushButton;
class QTableView;

namespace streamscope {

class FindingsModel;
class GroupActions;

// The Findings tab: every finding of the health rules (critical first) and, under the table,
// the selected one whole (its message and advice, word-wrapped) with the repairs that fit it:
// acknowledge the stuck or poison entries, claim them for a live consumer, autoclaim them,
// delete an idle consumer, move poison entries to the dead-letter stream. Each repair first
// reads what it covers (for stuck entries and a consumer's entries: XPENDING, bounded), then
// asks one named confirmation ("Delete consumer payments-2 (holds 3 pending entries)") and
// runs through GroupActions, off the GUI thread.
class FindingsView : public QWidget {
    Q_OBJECT
public:
    enum class Repair { Acknowledge, Claim, Autoclaim, DeleteConsumer, DeadLetter };
    // The most entries one repair covers (one XPENDING page): the confirmation says when there
    // are more.
    static constexpr int maxEntries = 1000;

    explicit FindingsView(QWidget *parent = nullptr);
    ~FindingsView() override;

    FindingsModel *model() const { return m_model; }
    // partial: some groups were not judged (a node missing, streams the user may not read);
    // partialWhy says which, in the note above the table.
    void setFindings(const FindingList &findings, bool partial = false,
                     const QString &partialWhy = {});
    // The findings of a snapshot, and its groups' consumers: the claim targets.
    void showSnapshot(const GroupSnapshot &snapshot, bool partial = false,
                      const QString &partialWhy = {});
    // The connection repairs go through (nullptr: none, the repairs are disabled).
    void setActions(GroupActions *actions);
    // In place: the repairs are disabled (or enabled again) with the reason, nothing reloads.
    void setReadOnly(bool readOnly);
    // Repairs the ACL user may not run are disabled with the server's reason.
    void setPermissions(const Permissions &permissions);
    // While not current the findings are greyed, the note says "last updated hh:mm:ss" and why,
    // and the repairs wait (disabled with that reason).
    void setFreshness(const Freshness &freshness);

    // Answers a confirmation; by default confirmAction (a dialog with a button named for the
    // action). Tests replace it.
    std::function<bool(const QString &title, const QString &text, const QString &actionLabel,
                       bool destructive)>
        confirm;

    // Starts a repair of the selected finding, as its button does (nothing when disabled).
    void repair(Repair repair);
    void selectFinding(int row);
    const Finding *currentFinding() const;
    // The consumers of a group that may take entries: known to the last snapshot and not
    // reported dead; the most recently active first.
    QList<QByteArray> liveConsumers(const QByteArray &stream, const QByteArray &group) const;

    QTableView *table() const { return m_table; }
    QLabel *messageLabel() const { return m_message; }
    QLabel *noteLabel() const { return m_note; }
    QLabel *repairNoteLabel() const { return m_repairNote; }
    QLabel *resultLabel() const { return m_result; }
    QComboBox *claimTarget() const { return m_claimTarget; }
    QPushButton *button(Repair repair) const;

Q_SIGNALS:
    // Double-click on a finding: show its group.
    void groupWanted(const QByteArray &stream, const QByteArray &group);
    // What a repair did (or why it did nothing), for the status bar.
    void actionMessage(const QString &message, bool ok);

private:
    struct Job {
        Repair repair = Repair::Acknowledge;
        Finding finding;
        QByteArray target; // claim, autoclaim: the consumer that takes the entries
        int request = 0;   // the XPENDING read it waits for (0: none)
    };
    void onCurrentChanged();
    void updateDetails();
    void updateButtons();
    void updateNote();
    QString whyDisabled(Repair repair) const;
    QList<Repair> repairsFor(const Finding &finding) const;
    QList<QByteArray> poisonIds(const Finding &finding) const;
    void onPendingFound(int request, const PendingEntryList &entries, const QString &error);
    void confirmAndRun(const Job &job, const QList<QByteArray> &ids, bool more);
    void run(const Job &job, const QList<QByteArray> &ids, qint64 count);
    void finish(bool ok, const QString &message);

    FindingsModel *m_model;
    QTableView *m_table;
    QLabel *m_note;
    QLabel *m_title;
    QLabel *m_message;
    QLabel *m_facts;
    QWidget *m_repairRow;
    QHash<int, QPushButton *> m_buttons; // by Repair
    QComboBox *m_claimTarget;
    QLabel *m_repairNote;
    QLabel *m_result;

    GroupActions *m_actions = nullptr;
    bool m_readOnly = false;
    Permissions m_permissions;
    Freshness m_freshness;
    bool m_partial = false;
    QString m_partialWhy;
    // Consumers per groupKey from the last snapshot (empty when only findings were given).
    QHash<QByteArray, QList<ConsumerStatus>> m_consumers;
    bool m_consumersKnown = false;
    QByteArray m_currentKey;  // which finding is shown, kept across snapshots
    std::optional<Job> m_job; // a repair under way: the buttons wait for it
    int m_nextRequest = 0;
    int m_nextRepair = 0;
    int m_runningRepair = 0; // the tag of the repair whose outcome we wait for (0: none)
};

} // namespace streamscope
