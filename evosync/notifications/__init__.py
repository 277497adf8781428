"""Mail notifications to merchants: switches per kind, one mail per problem per day."""
